//! Kafka's RecordBatch v2 to and from FlashQ's stored batch.
//!
//! The two formats share their record encoding byte for byte (docs/storage.md, "Record"); only
//! the fixed batch header differs (Kafka's is 61 bytes and orders its fields otherwise, FlashQ's
//! is 57), and each CRC-32C covers its own header. So a fetch rewrites the header and
//! recomputes the CRC and copies the records as they are stored, without decoding them; a
//! produce does the reverse, after decompressing the records if the producer compressed them.
//! Kafka's batch header is fixed by its v2 format (KIP-98), not by the message schemas the
//! `kafka-protocol` crate generates, which is why it is read and written here.

use std::io::Read;

use bytes::{BufMut, Bytes, BytesMut};

use crate::storage::batch::{self, BatchHeader, ProducerStamp, StoredBatch};

/// Bytes of Kafka's v2 batch header, from the base offset to the record count.
pub const KAFKA_BATCH_HEADER_BYTES: usize = 61;
/// Kafka's batch length counts from the partition leader epoch (after base offset and length).
const LOG_OVERHEAD_BYTES: usize = 12;
/// Kafka's CRC covers the batch from the attributes to its end.
const CRC_START: usize = 21;
/// The magic byte of RecordBatch v2, the only message format this broker takes.
const MAGIC_V2: u8 = 2;
/// FlashQ's header is 57 bytes where Kafka's is 61.
const FLASHQ_HEADER_BYTES: usize = batch::BATCH_HEADER_BYTES;

// Kafka's batch attributes (KIP-98).
const COMPRESSION_MASK: u16 = 0x07;
const TRANSACTIONAL_FLAG: u16 = 0x10;
const CONTROL_FLAG: u16 = 0x20;

/// Why a producer's Kafka batch cannot be stored; each maps to one Kafka error code.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KafkaBatchError {
    /// Framing, CRC or a field that cannot be (Kafka's CORRUPT_MESSAGE).
    #[error("corrupt record batch: {0}")]
    Corrupt(String),
    /// Message format v0 or v1 (Kafka's UNSUPPORTED_FOR_MESSAGE_FORMAT).
    #[error("record batch magic {0}: this broker takes RecordBatch v2 (magic 2) only")]
    OldFormat(u8),
    /// Transactions and control batches (Kafka's INVALID_RECORD): not supported.
    #[error("transactional and control batches are not supported")]
    Transactional,
    /// Decompressed, the records exceed what one batch may hold (Kafka's RECORD_LIST_TOO_LARGE).
    #[error("the batch decompresses to more than {limit_bytes} bytes")]
    TooLarge { limit_bytes: usize },
}

/// One Kafka batch from a produce request, as FlashQ stores it: its producer stamp and its
/// records re-framed with FlashQ's header (base offset 0; the log stamps its own).
#[derive(Debug)]
pub struct ConvertedBatch {
    pub bytes: Bytes,
    pub producer: ProducerStamp,
    pub record_count: u32,
}

fn be_u32(buf: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]])
}

fn be_i64(buf: &[u8], at: usize) -> i64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&buf[at..at + 8]);
    i64::from_be_bytes(bytes)
}

/// Splits a produce request's record set into its batches (a producer may send several for
/// one partition) and converts each. Decompressed records are bounded by `max_batch_bytes`.
pub fn from_kafka(
    mut records: Bytes,
    max_batch_bytes: usize,
) -> Result<Vec<ConvertedBatch>, KafkaBatchError> {
    let mut batches = Vec::new();
    while !records.is_empty() {
        if records.len() < LOG_OVERHEAD_BYTES + 5 {
            return Err(KafkaBatchError::Corrupt(format!(
                "{} bytes left, less than a batch header",
                records.len()
            )));
        }
        let magic = records[16];
        if magic != MAGIC_V2 {
            return Err(KafkaBatchError::OldFormat(magic));
        }
        let length = be_u32(&records, 8) as usize;
        let total = LOG_OVERHEAD_BYTES.saturating_add(length);
        if length < KAFKA_BATCH_HEADER_BYTES - LOG_OVERHEAD_BYTES || total > records.len() {
            return Err(KafkaBatchError::Corrupt(format!(
                "batch length {length} does not fit the {} bytes sent",
                records.len()
            )));
        }
        let one = records.split_to(total);
        batches.push(convert_one(&one, max_batch_bytes)?);
    }
    if batches.is_empty() {
        return Err(KafkaBatchError::Corrupt("no record batch".to_string()));
    }
    Ok(batches)
}

fn convert_one(kafka: &[u8], max_batch_bytes: usize) -> Result<ConvertedBatch, KafkaBatchError> {
    let stored_crc = be_u32(kafka, 17);
    let computed = crc32c::crc32c(&kafka[CRC_START..]);
    if stored_crc != computed {
        return Err(KafkaBatchError::Corrupt(format!(
            "CRC mismatch: stored {stored_crc:#010x}, computed {computed:#010x}"
        )));
    }
    let attributes = u16::from_be_bytes([kafka[21], kafka[22]]);
    if attributes & (TRANSACTIONAL_FLAG | CONTROL_FLAG) != 0 {
        return Err(KafkaBatchError::Transactional);
    }
    let last_offset_delta = be_u32(kafka, 23);
    let first_timestamp_ms = be_i64(kafka, 27);
    let max_timestamp_ms = be_i64(kafka, 35);
    let producer = ProducerStamp {
        producer_id: be_i64(kafka, 43),
        producer_epoch: i16::from_be_bytes([kafka[51], kafka[52]]),
        base_sequence: be_u32(kafka, 53) as i32,
    };
    let record_count = be_u32(kafka, 57);
    if record_count == 0 || last_offset_delta != record_count - 1 {
        return Err(KafkaBatchError::Corrupt(format!(
            "{record_count} records with a last offset delta of {last_offset_delta}"
        )));
    }
    let compressed = &kafka[KAFKA_BATCH_HEADER_BYTES..];
    let mut out = Vec::with_capacity(FLASHQ_HEADER_BYTES + compressed.len());
    out.resize(FLASHQ_HEADER_BYTES, 0);
    decompress(
        attributes & COMPRESSION_MASK,
        compressed,
        max_batch_bytes,
        &mut out,
    )?;
    write_flashq_header(
        &mut out,
        last_offset_delta,
        first_timestamp_ms,
        max_timestamp_ms,
        record_count,
        producer,
    );
    Ok(ConvertedBatch {
        bytes: Bytes::from(out),
        producer,
        record_count,
    })
}

/// Fills in FlashQ's header (docs/storage.md, "Batch header") before records already in
/// `out[57..]`, and its CRC.
fn write_flashq_header(
    out: &mut [u8],
    last_offset_delta: u32,
    first_timestamp_ms: i64,
    max_timestamp_ms: i64,
    record_count: u32,
    producer: ProducerStamp,
) {
    let batch_length = (out.len() - LOG_OVERHEAD_BYTES) as u32;
    let mut header = Vec::with_capacity(FLASHQ_HEADER_BYTES);
    header.put_u64(0);
    header.put_u32(batch_length);
    header.put_u8(batch::FORMAT_VERSION);
    header.put_u32(0); // CRC, below
    header.put_u16(0); // attributes
    header.put_u32(last_offset_delta);
    header.put_i64(first_timestamp_ms);
    header.put_i64(max_timestamp_ms);
    header.put_u32(record_count);
    header.put_i64(producer.producer_id);
    header.put_i16(producer.producer_epoch);
    header.put_i32(producer.base_sequence);
    out[..FLASHQ_HEADER_BYTES].copy_from_slice(&header);
    let crc = crc32c::crc32c(&out[17..]);
    out[13..17].copy_from_slice(&crc.to_be_bytes());
}

/// Appends the records of a batch compressed with `codec` (Kafka's attribute bits) to `out`,
/// reading at most `limit_bytes` of them: a small compressed request cannot make the broker
/// hold more than one batch may.
fn decompress(
    codec: u16,
    compressed: &[u8],
    limit_bytes: usize,
    out: &mut Vec<u8>,
) -> Result<(), KafkaBatchError> {
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        KafkaBatchError::Corrupt(format!("{what} records do not decompress: {e}"))
    };
    let read_bounded = |reader: &mut dyn Read, out: &mut Vec<u8>, what: &str| {
        let start = out.len();
        let mut limited = reader.take(limit_bytes as u64 + 1);
        limited.read_to_end(out).map_err(|e| corrupt(what, &e))?;
        if out.len() - start > limit_bytes {
            return Err(KafkaBatchError::TooLarge { limit_bytes });
        }
        Ok(())
    };
    match codec {
        0 => {
            if compressed.len() > limit_bytes {
                return Err(KafkaBatchError::TooLarge { limit_bytes });
            }
            out.extend_from_slice(compressed);
            Ok(())
        }
        1 => read_bounded(&mut flate2::read::GzDecoder::new(compressed), out, "gzip"),
        2 => decompress_snappy(compressed, limit_bytes, out),
        3 => read_bounded(
            &mut lz4_flex::frame::FrameDecoder::new(compressed),
            out,
            "lz4",
        ),
        4 => {
            let mut decoder = ruzstd::decoding::StreamingDecoder::new(compressed)
                .map_err(|e| corrupt("zstd", &e))?;
            read_bounded(&mut decoder, out, "zstd")
        }
        other => Err(KafkaBatchError::Corrupt(format!(
            "unknown compression codec {other}"
        ))),
    }
}

/// The magic that starts the Java client's (xerial) framed snappy; librdkafka sends plain
/// snappy, and Kafka's brokers take both.
const XERIAL_SNAPPY_MAGIC: &[u8] = b"\x82SNAPPY\x00";
/// Xerial framing: the magic, a version and a compatible version (4 bytes each).
const XERIAL_HEADER_BYTES: usize = 16;

fn decompress_snappy(
    compressed: &[u8],
    limit_bytes: usize,
    out: &mut Vec<u8>,
) -> Result<(), KafkaBatchError> {
    let mut decoder = snap::raw::Decoder::new();
    let mut block = |raw: &[u8], out: &mut Vec<u8>| {
        let length = snap::raw::decompress_len(raw)
            .map_err(|e| KafkaBatchError::Corrupt(format!("snappy records: {e}")))?;
        let start = out.len();
        if start - FLASHQ_HEADER_BYTES + length > limit_bytes {
            return Err(KafkaBatchError::TooLarge { limit_bytes });
        }
        out.resize(start + length, 0);
        decoder
            .decompress(raw, &mut out[start..])
            .map_err(|e| KafkaBatchError::Corrupt(format!("snappy records: {e}")))?;
        Ok(())
    };
    if !compressed.starts_with(XERIAL_SNAPPY_MAGIC) {
        return block(compressed, out);
    }
    let mut rest = compressed.get(XERIAL_HEADER_BYTES..).unwrap_or_default();
    while !rest.is_empty() {
        if rest.len() < 4 {
            return Err(KafkaBatchError::Corrupt(
                "truncated snappy block".to_string(),
            ));
        }
        let length = be_u32(rest, 0) as usize;
        let raw = rest
            .get(4..4usize.saturating_add(length))
            .ok_or_else(|| KafkaBatchError::Corrupt("truncated snappy block".to_string()))?;
        block(raw, out)?;
        rest = &rest[4 + length..];
    }
    Ok(())
}

/// Appends a stored batch to a fetch response's records as a Kafka RecordBatch v2, stamped
/// with the partition's leader epoch. The records are copied as stored; only the header is
/// written anew, and the CRC computed over it and them.
pub fn to_kafka(stored: &StoredBatch, leader_epoch: i32, out: &mut BytesMut) {
    let header: &BatchHeader = &stored.header;
    let records = &stored.bytes[header.header_bytes()..];
    let start = out.len();
    out.reserve(KAFKA_BATCH_HEADER_BYTES + records.len());
    out.put_u64(header.base_offset);
    out.put_u32((KAFKA_BATCH_HEADER_BYTES - LOG_OVERHEAD_BYTES + records.len()) as u32);
    out.put_i32(leader_epoch);
    out.put_u8(MAGIC_V2);
    out.put_u32(0); // CRC, below
    out.put_u16(0); // attributes: no compression, create time, not transactional
    out.put_u32(header.last_offset_delta);
    out.put_i64(header.first_timestamp_ms);
    out.put_i64(header.max_timestamp_ms);
    out.put_i64(header.producer.producer_id);
    out.put_i16(header.producer.producer_epoch);
    out.put_i32(header.producer.base_sequence);
    out.put_u32(header.record_count);
    out.put_slice(records);
    let crc = crc32c::crc32c(&out[start + CRC_START..]);
    out[start + 17..start + 21].copy_from_slice(&crc.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::batch::CheckedBatch;
    use crate::storage::{Header, Record, RecordLimits};

    fn records() -> Vec<Record> {
        vec![
            Record {
                timestamp_ms: 1_700_000_000_000,
                key: Some(Bytes::from_static(b"k\x00\xff")),
                value: Bytes::from_static(b"v1"),
                headers: vec![Header {
                    key: "h".to_string(),
                    value: Bytes::from_static(b"\x01"),
                }],
            },
            Record {
                timestamp_ms: 1_700_000_000_005,
                key: None,
                value: Bytes::from_static(b""),
                headers: Vec::new(),
            },
        ]
    }

    fn stored(base_offset: u64) -> StoredBatch {
        let stamp = ProducerStamp {
            producer_id: 7,
            producer_epoch: 1,
            base_sequence: 40,
        };
        StoredBatch::encode_stamped(base_offset, stamp, &records())
    }

    #[test]
    fn a_stored_batch_goes_to_kafka_and_back_byte_for_byte() {
        let batch = stored(0);
        let mut kafka = BytesMut::new();
        to_kafka(&batch, 3, &mut kafka);
        assert_eq!(kafka.len(), batch.bytes.len() + 4);
        let back = from_kafka(kafka.freeze(), 1 << 20).unwrap();
        assert_eq!(back.len(), 1);
        assert_eq!(back[0].bytes, batch.bytes);
        assert_eq!(back[0].producer, batch.header.producer);
        CheckedBatch::check(back[0].bytes.clone(), &RecordLimits::default()).unwrap();
    }

    #[test]
    fn the_kafka_codec_reads_what_a_fetch_sends() {
        let mut kafka = BytesMut::new();
        to_kafka(&stored(100), 3, &mut kafka);
        to_kafka(&stored(102), 3, &mut kafka);
        let mut buf = kafka.freeze();
        let sets = kafka_protocol::records::RecordBatchDecoder::decode_all(&mut buf).unwrap();
        let decoded: Vec<_> = sets.iter().flat_map(|s| s.records.iter()).collect();
        assert_eq!(decoded.len(), 4);
        assert_eq!(decoded[0].offset, 100);
        assert_eq!(decoded[3].offset, 103);
        assert_eq!(decoded[0].key.as_deref(), Some(&b"k\x00\xff"[..]));
        assert_eq!(decoded[1].timestamp, 1_700_000_000_005);
        assert_eq!(decoded[0].partition_leader_epoch, 3);
        assert_eq!(decoded[0].producer_id, 7);
        assert_eq!(decoded[1].sequence, 41);
    }

    #[test]
    fn corrupt_and_unsupported_batches_are_refused_by_kind() {
        let mut kafka = BytesMut::new();
        to_kafka(&stored(0), 0, &mut kafka);
        let good = kafka.freeze();
        let mut flipped = good.to_vec();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(
            from_kafka(Bytes::from(flipped), 1 << 20),
            Err(KafkaBatchError::Corrupt(_))
        ));
        let mut old = good.to_vec();
        old[16] = 1;
        assert_eq!(
            from_kafka(Bytes::from(old), 1 << 20).unwrap_err(),
            KafkaBatchError::OldFormat(1)
        );
        assert!(matches!(
            from_kafka(good.slice(..good.len() - 1), 1 << 20),
            Err(KafkaBatchError::Corrupt(_))
        ));
        assert!(matches!(
            from_kafka(good.clone(), 4),
            Err(KafkaBatchError::TooLarge { .. })
        ));
        for cut in 0..good.len() {
            let _ = from_kafka(good.slice(..cut), 1 << 20);
        }
    }
}
