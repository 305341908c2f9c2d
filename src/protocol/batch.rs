//! The record batch codec: the on-disk (and on-the-wire) unit of write, CRC, fsync and fetch.
//!
//! A batch is a fixed big-endian header followed by records whose fields are zigzag varints, in
//! the spirit of Kafka's v2 batches. The base offset and the batch length come first and sit
//! outside the CRC, so the log can stamp the base offset on an already encoded batch (under its
//! append lock) without recomputing the checksum; the log then guards them by chaining: every
//! batch's base offset must equal the previous batch's last offset plus one. docs/storage.md is
//! the byte-level specification; keep the two in step.
//!
//! Decoding never panics and never trusts a declared length: every length is checked against
//! the bytes that remain before anything is sliced or allocated. Keys, values and header values
//! are `Bytes::slice`s of the input, never copies.

use bytes::Bytes;

use super::idempotence::add_sequence;

use super::record::{Header, Record, StoredRecord};

/// The format version this code writes. Version 2 added the producer stamp (id, epoch, base
/// sequence) after the record count; version 1 batches, which have none, are still read.
pub const FORMAT_VERSION: u8 = 2;
/// The first format version, read as batches no producer stamped.
pub const FORMAT_VERSION_1: u8 = 1;
/// Bytes before the batch length is known to cover the rest: base offset (8) + batch length (4).
pub const LOG_OVERHEAD_BYTES: usize = 12;
/// Bytes of the whole fixed header of the current version, from the base offset to the base
/// sequence.
pub const BATCH_HEADER_BYTES: usize = 57;
/// Bytes of a version 1 header, which ends at the record count.
pub const V1_BATCH_HEADER_BYTES: usize = 43;
/// The largest batch length the codec accepts; bounds what a reader allocates from a header.
pub const MAX_BATCH_LENGTH_BYTES: usize = 256 * 1024 * 1024;
/// The smallest encoded record: seven one-byte varints (length, attributes, deltas, key length,
/// value length, header count).
const MIN_RECORD_BYTES: usize = 7;
/// The smallest encoded header: key length and value length.
const MIN_HEADER_BYTES: usize = 2;

// Positions of the fixed header fields.
const POS_BATCH_LENGTH: usize = 8;
const POS_VERSION: usize = 12;
const POS_CRC: usize = 13;
/// The CRC covers everything from here (the attributes) to the end of the batch.
const POS_CRC_START: usize = 17;
const POS_LAST_OFFSET_DELTA: usize = 19;
const POS_FIRST_TIMESTAMP: usize = 23;
const POS_MAX_TIMESTAMP: usize = 31;
const POS_RECORD_COUNT: usize = 39;
const POS_PRODUCER_ID: usize = 43;
const POS_PRODUCER_EPOCH: usize = 51;
const POS_BASE_SEQUENCE: usize = 53;

/// Why bytes are not a valid batch. Positions are relative to the batch's first byte.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("truncated batch: {needed} bytes needed, {available} available")]
    Truncated { needed: usize, available: usize },
    #[error("bad batch length {length} (must be {min}..={max})", min = V1_BATCH_HEADER_BYTES - LOG_OVERHEAD_BYTES, max = MAX_BATCH_LENGTH_BYTES)]
    BadLength { length: u64 },
    #[error(
        "unsupported batch format version {version} (this build reads {FORMAT_VERSION_1} and {FORMAT_VERSION})"
    )]
    UnsupportedVersion { version: u8 },
    #[error("CRC mismatch: stored {stored:#010x}, computed {computed:#010x}")]
    CrcMismatch { stored: u32, computed: u32 },
    #[error("base offset {found} where {expected} was expected")]
    UnexpectedBaseOffset { expected: u64, found: u64 },
    #[error("malformed batch at byte {position} of the batch: {reason}")]
    Malformed {
        position: usize,
        reason: &'static str,
    },
}

impl BatchError {
    /// The byte within the batch where the problem was found.
    pub fn position(&self) -> usize {
        match self {
            // The batch that is cut short starts here.
            BatchError::Truncated { .. } => 0,
            BatchError::BadLength { .. } => POS_BATCH_LENGTH,
            BatchError::UnsupportedVersion { .. } => POS_VERSION,
            BatchError::CrcMismatch { .. } => POS_CRC,
            BatchError::UnexpectedBaseOffset { .. } => 0,
            BatchError::Malformed { position, .. } => *position,
        }
    }
}

/// Who wrote a batch, for the broker to drop a producer's retries (Kafka's idempotent producer):
/// the producer's id and epoch, and the sequence number of the batch's first record in its
/// partition (each record takes the next). [`ProducerStamp::NONE`] is a batch no idempotent
/// producer wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProducerStamp {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

impl ProducerStamp {
    /// No producer: what version 1 batches and non-idempotent producers carry.
    pub const NONE: ProducerStamp = ProducerStamp {
        producer_id: -1,
        producer_epoch: -1,
        base_sequence: -1,
    };

    /// Whether an idempotent producer wrote the batch.
    pub fn is_stamped(&self) -> bool {
        self.producer_id >= 0
    }

    /// The sequence of the batch's last record, `record_count` records long (sequences wrap
    /// past `i32::MAX` to 0, like Kafka's).
    pub fn last_sequence(&self, record_count: u32) -> i32 {
        add_sequence(self.base_sequence, record_count.saturating_sub(1))
    }
}

/// The fixed header of a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    pub base_offset: u64,
    /// Bytes after the batch length field.
    pub batch_length: u32,
    pub version: u8,
    pub crc: u32,
    pub attributes: u16,
    pub last_offset_delta: u32,
    pub first_timestamp_ms: i64,
    pub max_timestamp_ms: i64,
    pub record_count: u32,
    /// [`ProducerStamp::NONE`] in a version 1 batch.
    pub producer: ProducerStamp,
}

impl BatchHeader {
    /// Parses and sanity-checks the header at the start of `buf` ([`BATCH_HEADER_BYTES`], or
    /// [`V1_BATCH_HEADER_BYTES`] for a version 1 batch); the CRC is not checked.
    pub fn parse(buf: &[u8]) -> Result<BatchHeader, BatchError> {
        if buf.len() < V1_BATCH_HEADER_BYTES {
            return Err(BatchError::Truncated {
                needed: V1_BATCH_HEADER_BYTES,
                available: buf.len(),
            });
        }
        let batch_length = be_u32(buf, POS_BATCH_LENGTH);
        let bad_length = |header_bytes: usize| {
            (batch_length as usize) < header_bytes - LOG_OVERHEAD_BYTES
                || batch_length as usize > MAX_BATCH_LENGTH_BYTES
        };
        if bad_length(V1_BATCH_HEADER_BYTES) {
            return Err(BatchError::BadLength {
                length: batch_length as u64,
            });
        }
        let version = buf[POS_VERSION];
        let header_bytes = match version {
            FORMAT_VERSION_1 => V1_BATCH_HEADER_BYTES,
            FORMAT_VERSION => BATCH_HEADER_BYTES,
            _ => return Err(BatchError::UnsupportedVersion { version }),
        };
        if bad_length(header_bytes) {
            return Err(BatchError::BadLength {
                length: batch_length as u64,
            });
        }
        if buf.len() < header_bytes {
            return Err(BatchError::Truncated {
                needed: header_bytes,
                available: buf.len(),
            });
        }
        let producer = if version == FORMAT_VERSION_1 {
            ProducerStamp::NONE
        } else {
            ProducerStamp {
                producer_id: be_u64(buf, POS_PRODUCER_ID) as i64,
                producer_epoch: i16::from_be_bytes([
                    buf[POS_PRODUCER_EPOCH],
                    buf[POS_PRODUCER_EPOCH + 1],
                ]),
                base_sequence: be_u32(buf, POS_BASE_SEQUENCE) as i32,
            }
        };
        if producer.is_stamped() && (producer.producer_epoch < 0 || producer.base_sequence < 0) {
            return Err(malformed(
                POS_PRODUCER_EPOCH,
                "a producer stamp needs an epoch and a sequence of 0 or more",
            ));
        }
        let header = BatchHeader {
            base_offset: be_u64(buf, 0),
            batch_length,
            version,
            crc: be_u32(buf, POS_CRC),
            attributes: u16::from_be_bytes([buf[POS_CRC_START], buf[POS_CRC_START + 1]]),
            last_offset_delta: be_u32(buf, POS_LAST_OFFSET_DELTA),
            first_timestamp_ms: be_u64(buf, POS_FIRST_TIMESTAMP) as i64,
            max_timestamp_ms: be_u64(buf, POS_MAX_TIMESTAMP) as i64,
            record_count: be_u32(buf, POS_RECORD_COUNT),
            producer,
        };
        if header.attributes != 0 {
            return Err(malformed(POS_CRC_START, "unknown batch attributes"));
        }
        if header.record_count == 0
            || header.record_count as u64 != header.last_offset_delta as u64 + 1
        {
            return Err(malformed(
                POS_RECORD_COUNT,
                "record count does not match the last offset delta",
            ));
        }
        if header
            .base_offset
            .checked_add(header.last_offset_delta as u64 + 1)
            .is_none()
        {
            return Err(malformed(0, "base offset overflows"));
        }
        // Every record takes at least MIN_RECORD_BYTES, which bounds the count by the length.
        let records_room = batch_length as usize + LOG_OVERHEAD_BYTES - header_bytes;
        if header.record_count as usize > records_room / MIN_RECORD_BYTES {
            return Err(malformed(
                POS_RECORD_COUNT,
                "record count too large for the batch length",
            ));
        }
        Ok(header)
    }

    /// Bytes of the fixed header: where the records start.
    pub fn header_bytes(&self) -> usize {
        if self.version == FORMAT_VERSION_1 {
            V1_BATCH_HEADER_BYTES
        } else {
            BATCH_HEADER_BYTES
        }
    }

    /// Bytes of the whole batch, header included.
    pub fn total_bytes(&self) -> usize {
        LOG_OVERHEAD_BYTES + self.batch_length as usize
    }

    /// Offset of the batch's last record.
    pub fn last_offset(&self) -> u64 {
        self.base_offset + self.last_offset_delta as u64
    }

    /// The offset that follows this batch.
    pub fn next_offset(&self) -> u64 {
        self.last_offset() + 1
    }
}

/// A decoded batch: its header and its records with their offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordBatch {
    pub header: BatchHeader,
    pub records: Vec<StoredRecord>,
}

/// Encodes `records` as one batch starting at `base_offset`.
///
/// The caller checks the record limits (`storage::RecordLimits`) first; records are never
/// empty here.
pub fn encode(base_offset: u64, records: &[Record]) -> Vec<u8> {
    let mut buf = Vec::new();
    encode_into(&mut buf, base_offset, ProducerStamp::NONE, records);
    buf
}

/// Encodes like [`encode`] into `buf` (cleared first), so a caller can reuse its allocation,
/// with `producer`'s stamp.
pub fn encode_into(
    buf: &mut Vec<u8>,
    base_offset: u64,
    producer: ProducerStamp,
    records: &[Record],
) {
    debug_assert!(!records.is_empty(), "a batch holds at least one record");
    // Enough for every varint at its largest, so the buffer never grows while encoding.
    let estimate = BATCH_HEADER_BYTES
        + records
            .iter()
            .map(|r| r.payload_bytes() + 1 + 6 * 10 + 20 * r.headers.len())
            .sum::<usize>();
    buf.clear();
    buf.reserve(estimate);
    let first_timestamp_ms = records.first().map_or(0, |r| r.timestamp_ms);
    let max_timestamp_ms = records.iter().map(|r| r.timestamp_ms).max().unwrap_or(0);
    let last_offset_delta = records.len().saturating_sub(1) as u32;

    buf.extend_from_slice(&base_offset.to_be_bytes());
    buf.extend_from_slice(&0u32.to_be_bytes()); // batch length, filled in below
    buf.push(FORMAT_VERSION);
    buf.extend_from_slice(&0u32.to_be_bytes()); // CRC, filled in below
    buf.extend_from_slice(&0u16.to_be_bytes()); // attributes
    buf.extend_from_slice(&last_offset_delta.to_be_bytes());
    buf.extend_from_slice(&first_timestamp_ms.to_be_bytes());
    buf.extend_from_slice(&max_timestamp_ms.to_be_bytes());
    buf.extend_from_slice(&(records.len() as u32).to_be_bytes());
    buf.extend_from_slice(&producer.producer_id.to_be_bytes());
    buf.extend_from_slice(&producer.producer_epoch.to_be_bytes());
    buf.extend_from_slice(&producer.base_sequence.to_be_bytes());
    debug_assert_eq!(buf.len(), BATCH_HEADER_BYTES);

    for (delta, record) in records.iter().enumerate() {
        // The record length comes first, so it is computed from the fields' sizes; the fields
        // are then written straight into the batch, each value copied once.
        let timestamp_delta = record.timestamp_ms.wrapping_sub(first_timestamp_ms);
        let key_length = record.key.as_ref().map_or(-1, |k| k.len() as i64);
        let headers_bytes: usize = record
            .headers
            .iter()
            .map(|h| {
                varint_len(h.key.len() as i64)
                    + h.key.len()
                    + varint_len(h.value.len() as i64)
                    + h.value.len()
            })
            .sum();
        let length = 1
            + varint_len(timestamp_delta)
            + varint_len(delta as i64)
            + varint_len(key_length)
            + key_length.max(0) as usize
            + varint_len(record.value.len() as i64)
            + record.value.len()
            + varint_len(record.headers.len() as i64)
            + headers_bytes;
        put_varint(buf, length as i64);
        let record_start = buf.len();
        buf.push(0); // record attributes
        put_varint(buf, timestamp_delta);
        put_varint(buf, delta as i64);
        put_varint(buf, key_length);
        if let Some(key) = &record.key {
            buf.extend_from_slice(key);
        }
        put_varint(buf, record.value.len() as i64);
        buf.extend_from_slice(&record.value);
        put_varint(buf, record.headers.len() as i64);
        for header in &record.headers {
            put_varint(buf, header.key.len() as i64);
            buf.extend_from_slice(header.key.as_bytes());
            put_varint(buf, header.value.len() as i64);
            buf.extend_from_slice(&header.value);
        }
        debug_assert_eq!(buf.len() - record_start, length);
    }

    let batch_length = (buf.len() - LOG_OVERHEAD_BYTES) as u32;
    buf[POS_BATCH_LENGTH..POS_BATCH_LENGTH + 4].copy_from_slice(&batch_length.to_be_bytes());
    let crc = crc32c::crc32c(&buf[POS_CRC_START..]);
    buf[POS_CRC..POS_CRC + 4].copy_from_slice(&crc.to_be_bytes());
}

/// Writes a new base offset into an encoded batch; the CRC stays valid because it excludes it.
pub fn stamp_base_offset(batch: &mut [u8], base_offset: u64) {
    debug_assert!(batch.len() >= BATCH_HEADER_BYTES);
    batch[..8].copy_from_slice(&base_offset.to_be_bytes());
}

/// Checks the CRC of a whole batch whose header is already parsed.
pub fn verify_crc(header: &BatchHeader, batch: &[u8]) -> Result<(), BatchError> {
    if batch.len() != header.total_bytes() {
        return Err(BatchError::Truncated {
            needed: header.total_bytes(),
            available: batch.len(),
        });
    }
    let computed = crc32c::crc32c(&batch[POS_CRC_START..]);
    if computed != header.crc {
        return Err(BatchError::CrcMismatch {
            stored: header.crc,
            computed,
        });
    }
    Ok(())
}

/// Decodes one whole batch (exactly its bytes), checking its length, CRC and every record.
pub fn decode(batch: Bytes) -> Result<RecordBatch, BatchError> {
    let mut records = Vec::new();
    let header = decode_into(batch, None, 0, &mut records)?;
    Ok(RecordBatch { header, records })
}

/// Decodes a batch and checks that it starts at `expected_base_offset` (offset chaining guards
/// the base offset, which the CRC does not cover).
pub fn decode_at(batch: Bytes, expected_base_offset: u64) -> Result<RecordBatch, BatchError> {
    let mut records = Vec::new();
    let header = decode_into(batch, Some(expected_base_offset), 0, &mut records)?;
    Ok(RecordBatch { header, records })
}

/// Decodes and checks a whole batch like [`decode`], appending its records with offset >=
/// `min_offset` to `out` (the read path's buffer, so records are not moved twice). On error
/// `out` is left as it was.
pub fn decode_into(
    batch: Bytes,
    expected_base_offset: Option<u64>,
    min_offset: u64,
    out: &mut Vec<StoredRecord>,
) -> Result<BatchHeader, BatchError> {
    let header = BatchHeader::parse(&batch)?;
    if let Some(expected) = expected_base_offset
        && header.base_offset != expected
    {
        return Err(BatchError::UnexpectedBaseOffset {
            expected,
            found: header.base_offset,
        });
    }
    if batch.len() != header.total_bytes() {
        return Err(BatchError::Truncated {
            needed: header.total_bytes(),
            available: batch.len(),
        });
    }
    verify_crc(&header, &batch)?;
    let out_len = out.len();
    let decoded = decode_records(&header, &batch, min_offset, out);
    if decoded.is_err() {
        out.truncate(out_len);
    }
    decoded.map(|()| header)
}

/// The records of a batch whose header and CRC are checked.
fn decode_records(
    header: &BatchHeader,
    batch: &Bytes,
    min_offset: u64,
    out: &mut Vec<StoredRecord>,
) -> Result<(), BatchError> {
    // parse() bounded the count by the bytes there are, so this allocation is bounded too.
    out.reserve(header.record_count as usize);
    visit_records(header, batch, |offset, record| {
        if offset >= min_offset {
            out.push(StoredRecord { offset, record });
        }
        Ok::<(), BatchError>(())
    })
}

/// Parses every record of a batch whose header and CRC are checked, in order, handing each to
/// `visit` with its offset; checks that the records fill the batch exactly and agree with the
/// header. Keys and values are slices of `batch`.
pub fn visit_records<E: From<BatchError>>(
    header: &BatchHeader,
    batch: &Bytes,
    mut visit: impl FnMut(u64, Record) -> Result<(), E>,
) -> Result<(), E> {
    let mut reader = Reader {
        buf: batch,
        pos: header.header_bytes(),
    };
    let count = header.record_count as usize;
    let mut max_timestamp_ms = i64::MIN;
    for delta in 0..count {
        let record_start = reader.pos;
        let length = reader.length("record length")?;
        let record_end = reader.pos + length;
        if reader.buf.get(reader.pos) != Some(&0) {
            return Err(malformed(reader.pos, "bad record attributes").into());
        }
        reader.pos += 1;
        let timestamp_ms = header
            .first_timestamp_ms
            .wrapping_add(reader.varint("timestamp delta")?);
        if reader.varint("offset delta")? != delta as i64 {
            return Err(malformed(record_start, "offset delta out of sequence").into());
        }
        let key = reader.optional_bytes(batch, "key length")?;
        // A null value (length -1, a Kafka producer's tombstone) is kept as it came: Kafka
        // consumers read it back as null, FlashQ's API as an empty value.
        let value = reader
            .optional_bytes(batch, "value length")?
            .unwrap_or_default();
        let header_count = reader.length("header count")?;
        if header_count > (record_end.saturating_sub(reader.pos)) / MIN_HEADER_BYTES {
            return Err(malformed(reader.pos, "header count too large for the record").into());
        }
        let mut headers = Vec::with_capacity(header_count);
        for _ in 0..header_count {
            let key_at = reader.pos;
            let key = reader.bytes(batch, "header key length")?;
            let key = String::from_utf8(key.to_vec())
                .map_err(|_| malformed(key_at, "header key is not UTF-8"))?;
            let value = reader
                .optional_bytes(batch, "header value length")?
                .unwrap_or_default();
            headers.push(Header { key, value });
        }
        if reader.pos != record_end {
            return Err(malformed(record_start, "record length does not match its fields").into());
        }
        max_timestamp_ms = max_timestamp_ms.max(timestamp_ms);
        visit(
            header.base_offset + delta as u64,
            Record {
                timestamp_ms,
                key,
                value,
                headers,
            },
        )?;
    }
    if reader.pos != batch.len() {
        return Err(malformed(reader.pos, "bytes after the last record").into());
    }
    if max_timestamp_ms != header.max_timestamp_ms {
        return Err(malformed(
            POS_MAX_TIMESTAMP,
            "max timestamp does not match the records",
        )
        .into());
    }
    Ok(())
}

/// A whole batch as the log stores it, read back with its framing, CRC and offset chain
/// checked: what a fetch passes through to a reader undecoded.
#[derive(Debug, Clone)]
pub struct StoredBatch {
    pub header: BatchHeader,
    pub bytes: Bytes,
}

impl StoredBatch {
    /// Encodes `records` (never empty) as one batch starting at `base_offset`.
    pub fn encode(base_offset: u64, records: &[Record]) -> StoredBatch {
        StoredBatch::encode_stamped(base_offset, ProducerStamp::NONE, records)
    }

    /// [`StoredBatch::encode`] with a producer's stamp.
    pub fn encode_stamped(
        base_offset: u64,
        producer: ProducerStamp,
        records: &[Record],
    ) -> StoredBatch {
        let mut buf = Vec::new();
        encode_into(&mut buf, base_offset, producer, records);
        let bytes = Bytes::from(buf);
        let header = BatchHeader::parse(&bytes)
            .unwrap_or_else(|e| unreachable!("the encoder produced an invalid batch header: {e}"));
        StoredBatch { header, bytes }
    }
}

fn malformed(position: usize, reason: &'static str) -> BatchError {
    BatchError::Malformed { position, reason }
}

fn be_u32(buf: &[u8], at: usize) -> u32 {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&buf[at..at + 4]);
    u32::from_be_bytes(bytes)
}

fn be_u64(buf: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(&buf[at..at + 8]);
    u64::from_be_bytes(bytes)
}

fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// Bytes [`put_varint`] takes for `value`.
fn varint_len(value: i64) -> usize {
    let significant_bits = 64 - (zigzag(value) | 1).leading_zeros() as usize;
    significant_bits.div_ceil(7)
}

/// Appends `value` as a zigzag LEB128 varint (at most 10 bytes).
fn put_varint(buf: &mut Vec<u8>, value: i64) {
    let mut v = zigzag(value);
    while v >= 0x80 {
        buf.push((v as u8) | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// A bounds-checked cursor over a batch's records.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn varint(&mut self, what: &'static str) -> Result<i64, BatchError> {
        let mut raw = 0u64;
        for i in 0..10 {
            let Some(&byte) = self.buf.get(self.pos) else {
                return Err(malformed(self.pos, what));
            };
            self.pos += 1;
            // The 10th byte may only carry the top bit of a 64-bit value.
            if i == 9 && byte > 1 {
                return Err(malformed(self.pos - 1, "varint overflows 64 bits"));
            }
            raw |= ((byte & 0x7f) as u64) << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64));
            }
        }
        Err(malformed(self.pos, "varint longer than 10 bytes"))
    }

    /// A non-negative length that fits in the bytes that remain.
    fn length(&mut self, what: &'static str) -> Result<usize, BatchError> {
        let at = self.pos;
        let value = self.varint(what)?;
        let remaining = self.buf.len() - self.pos;
        if value < 0 || value as u64 > remaining as u64 {
            return Err(malformed(at, what));
        }
        Ok(value as usize)
    }

    /// A length-prefixed byte string, sliced from `owner` without copying.
    fn bytes(&mut self, owner: &Bytes, what: &'static str) -> Result<Bytes, BatchError> {
        let len = self.length(what)?;
        let slice = owner.slice(self.pos..self.pos + len);
        self.pos += len;
        Ok(slice)
    }

    /// Like [`Reader::bytes`], where a length of -1 means null.
    fn optional_bytes(
        &mut self,
        owner: &Bytes,
        what: &'static str,
    ) -> Result<Option<Bytes>, BatchError> {
        let at = self.pos;
        if self.varint(what)? == -1 {
            return Ok(None);
        }
        self.pos = at;
        self.bytes(owner, what).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn record(ts: i64, key: Option<&[u8]>, value: &[u8]) -> Record {
        Record {
            timestamp_ms: ts,
            key: key.map(Bytes::copy_from_slice),
            value: Bytes::copy_from_slice(value),
            headers: vec![Header {
                key: "h".into(),
                value: Bytes::from_static(b"v"),
            }],
        }
    }

    fn arb_record() -> impl Strategy<Value = Record> {
        (
            any::<i64>(),
            proptest::option::of(proptest::collection::vec(any::<u8>(), 0..40)),
            proptest::collection::vec(any::<u8>(), 0..200),
            proptest::collection::vec(
                ("[a-zé]{0,8}", proptest::collection::vec(any::<u8>(), 0..16)),
                0..4,
            ),
        )
            .prop_map(|(timestamp_ms, key, value, headers)| Record {
                timestamp_ms,
                key: key.map(Bytes::from),
                value: Bytes::from(value),
                headers: headers
                    .into_iter()
                    .map(|(key, value)| Header {
                        key,
                        value: Bytes::from(value),
                    })
                    .collect(),
            })
    }

    fn arb_batch() -> impl Strategy<Value = (u64, Vec<Record>)> {
        (
            0u64..u64::MAX / 2,
            proptest::collection::vec(arb_record(), 1..8),
        )
    }

    #[test]
    fn varint_lengths_match_the_encoding() {
        for v in [
            0i64,
            1,
            -1,
            63,
            -64,
            64,
            8191,
            8192,
            i64::MAX,
            i64::MIN,
            -1_000_000,
        ] {
            let mut buf = Vec::new();
            put_varint(&mut buf, v);
            assert_eq!(buf.len(), varint_len(v), "{v}");
        }
        let mut buf = Vec::new();
        put_varint(&mut buf, 64);
        assert_eq!(buf, [0x80, 0x01]);
    }

    #[test]
    fn header_layout_matches_the_spec() {
        let encoded = encode(7, &[record(1000, Some(b"k"), b"value")]);
        let header = BatchHeader::parse(&encoded).unwrap();
        assert_eq!(header.base_offset, 7);
        assert_eq!(header.total_bytes(), encoded.len());
        assert_eq!(header.record_count, 1);
        assert_eq!(header.first_timestamp_ms, 1000);
        assert_eq!(encoded[POS_VERSION], FORMAT_VERSION);
    }

    #[test]
    fn version_1_batches_still_read_as_unstamped() {
        let records = [record(1, Some(b"k"), b"a"), record(2, None, b"b")];
        let v2 = encode(5, &records);
        // The same batch in version 1: no producer stamp after the record count.
        let mut v1 = [&v2[..V1_BATCH_HEADER_BYTES], &v2[BATCH_HEADER_BYTES..]].concat();
        v1[POS_VERSION] = FORMAT_VERSION_1;
        let length = (v1.len() - LOG_OVERHEAD_BYTES) as u32;
        v1[POS_BATCH_LENGTH..POS_BATCH_LENGTH + 4].copy_from_slice(&length.to_be_bytes());
        let crc = crc32c::crc32c(&v1[POS_CRC_START..]);
        v1[POS_CRC..POS_CRC + 4].copy_from_slice(&crc.to_be_bytes());
        let old = decode(Bytes::from(v1)).unwrap();
        let new = decode(Bytes::from(v2)).unwrap();
        assert_eq!(old.records, new.records);
        assert_eq!(old.header.producer, ProducerStamp::NONE);
        assert_eq!(old.header.header_bytes(), V1_BATCH_HEADER_BYTES);
    }

    #[test]
    fn the_producer_stamp_round_trips_inside_the_crc() {
        let stamp = ProducerStamp {
            producer_id: 42,
            producer_epoch: 3,
            base_sequence: 1000,
        };
        let mut buf = Vec::new();
        encode_into(&mut buf, 0, stamp, &[record(1, None, b"x")]);
        assert_eq!(BatchHeader::parse(&buf).unwrap().producer, stamp);
        buf[POS_BASE_SEQUENCE + 3] ^= 1;
        assert!(decode(Bytes::from(buf)).is_err());
        assert_eq!(stamp.last_sequence(3), 1002);
        assert_eq!(add_sequence(i32::MAX, 1), 0);
    }

    #[test]
    fn stamping_the_base_offset_keeps_the_crc_valid() {
        let mut encoded = encode(0, &[record(1, None, b"a"), record(2, None, b"b")]);
        stamp_base_offset(&mut encoded, 41);
        let batch = decode(Bytes::from(encoded)).unwrap();
        assert_eq!(batch.records[0].offset, 41);
        assert_eq!(batch.records[1].offset, 42);
    }

    #[test]
    fn overhead_per_small_record_is_a_few_bytes() {
        let records: Vec<Record> = (0..1000)
            .map(|i| Record {
                timestamp_ms: 1_700_000_000_000 + i,
                key: None,
                value: Bytes::from(vec![7u8; 100]),
                headers: vec![],
            })
            .collect();
        let encoded = encode(0, &records);
        assert!(
            encoded.len() <= BATCH_HEADER_BYTES + 1000 * 111,
            "{}",
            encoded.len()
        );
    }

    #[test]
    fn null_and_empty_keys_differ() {
        let encoded = encode(0, &[record(1, None, b""), record(1, Some(b""), b"")]);
        let batch = decode(Bytes::from(encoded)).unwrap();
        assert_eq!(batch.records[0].record.key, None);
        assert_eq!(batch.records[1].record.key, Some(Bytes::new()));
    }

    #[test]
    fn values_are_slices_of_the_input() {
        let encoded = Bytes::from(encode(0, &[record(1, None, b"hello world")]));
        let range = encoded.as_ptr() as usize..encoded.as_ptr() as usize + encoded.len();
        let batch = decode(encoded.clone()).unwrap();
        assert!(range.contains(&(batch.records[0].record.value.as_ptr() as usize)));
    }

    #[test]
    fn garbage_header_is_rejected() {
        assert!(matches!(
            BatchHeader::parse(&[0u8; 10]),
            Err(BatchError::Truncated { .. })
        ));
        let mut encoded = encode(0, &[record(1, None, b"x")]);
        encoded[POS_BATCH_LENGTH..POS_BATCH_LENGTH + 4].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(matches!(
            BatchHeader::parse(&encoded),
            Err(BatchError::BadLength { .. })
        ));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn round_trips((base, records) in arb_batch()) {
            let encoded = encode(base, &records);
            let batch = decode(Bytes::from(encoded)).unwrap();
            prop_assert_eq!(batch.header.base_offset, base);
            prop_assert_eq!(batch.records.len(), records.len());
            for (i, (got, want)) in batch.records.iter().zip(&records).enumerate() {
                prop_assert_eq!(got.offset, base + i as u64);
                prop_assert_eq!(&got.record, want);
            }
        }

        #[test]
        fn any_byte_flip_is_detected((base, records) in arb_batch(), at in any::<prop::sample::Index>(), flip in 1u8..=255) {
            let mut encoded = encode(base, &records);
            let at = at.index(encoded.len());
            encoded[at] ^= flip;
            prop_assert!(decode_at(Bytes::from(encoded), base).is_err());
        }

        #[test]
        fn any_truncation_is_detected((base, records) in arb_batch(), cut in any::<prop::sample::Index>()) {
            let encoded = encode(base, &records);
            let len = cut.index(encoded.len());
            prop_assert!(decode(Bytes::copy_from_slice(&encoded[..len])).is_err());
        }

        #[test]
        fn garbage_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = BatchHeader::parse(&bytes);
            let _ = decode(Bytes::from(bytes));
        }
    }
}
