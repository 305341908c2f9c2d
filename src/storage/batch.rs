//! The record batch as the log appends it: [`CheckedBatch`], a batch whose framing, CRC, records
//! and limits are checked. The codec itself (the format of docs/storage.md) is
//! [`crate::protocol::batch`], which producers, followers and the Kafka wire share.

use bytes::Bytes;

pub use crate::protocol::batch::*;

use super::{MAX_RECORDS_PER_BATCH, Record, RecordLimits, StorageError};

/// A whole batch whose framing, CRC and records are checked, and, when a producer sent it,
/// checked against the record limits: the only form in which a log appends data. Its base
/// offset is meaningless until the log stamps it.
#[derive(Debug, Clone)]
pub struct CheckedBatch {
    bytes: Bytes,
    header: BatchHeader,
    /// Keys, values and headers of all its records: what the record limits count.
    payload_bytes: usize,
}

impl CheckedBatch {
    /// Encodes records that already passed [`RecordLimits::check`].
    pub fn encode(records: &[Record]) -> CheckedBatch {
        CheckedBatch::encode_stamped(ProducerStamp::NONE, records)
    }

    /// [`CheckedBatch::encode`] with a producer's stamp.
    pub fn encode_stamped(producer: ProducerStamp, records: &[Record]) -> CheckedBatch {
        let StoredBatch { header, bytes } = StoredBatch::encode_stamped(0, producer, records);
        CheckedBatch {
            bytes,
            header,
            payload_bytes: records.iter().map(Record::payload_bytes).sum(),
        }
    }

    /// Checks a batch a producer encoded: framing, CRC, every record, and `limits`. Nothing is
    /// copied; the batch is kept as it came.
    pub fn check(bytes: Bytes, limits: &RecordLimits) -> Result<CheckedBatch, StorageError> {
        let header = BatchHeader::parse(&bytes).map_err(StorageError::InvalidBatch)?;
        verify_crc(&header, &bytes).map_err(StorageError::InvalidBatch)?;
        if header.record_count as usize > MAX_RECORDS_PER_BATCH {
            return Err(StorageError::BadRecordCount {
                count: header.record_count as usize,
            });
        }
        let mut batch_bytes = 0usize;
        let mut index = 0usize;
        visit_records(&header, &bytes, |_, record| {
            batch_bytes += limits.check_record(index, &record)?;
            index += 1;
            Ok::<(), StorageError>(())
        })?;
        limits.check_batch_bytes(batch_bytes)?;
        Ok(CheckedBatch {
            bytes,
            header,
            payload_bytes: batch_bytes,
        })
    }

    /// The whole batch as stored, base offset 0 until the log stamps its own.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    pub fn header(&self) -> &BatchHeader {
        &self.header
    }

    pub fn record_count(&self) -> u64 {
        self.header.record_count as u64
    }

    pub fn size_bytes(&self) -> usize {
        self.bytes.len()
    }

    pub fn payload_bytes(&self) -> usize {
        self.payload_bytes
    }
}

impl From<BatchError> for StorageError {
    fn from(error: BatchError) -> Self {
        StorageError::InvalidBatch(error)
    }
}
