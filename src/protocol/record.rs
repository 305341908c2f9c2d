//! The record: the unit users produce and consume.

use bytes::Bytes;

/// A record header: a string key with a binary value, like Kafka's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub key: String,
    pub value: Bytes,
}

/// A record as produced: its offset is assigned by the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
    /// `None` is a null key, distinct from an empty one.
    pub key: Option<Bytes>,
    pub value: Bytes,
    pub headers: Vec<Header>,
}

impl Record {
    /// The bytes a user put in: key, value, header keys and values. Limits are checked on this.
    pub fn payload_bytes(&self) -> usize {
        self.key.as_ref().map_or(0, Bytes::len)
            + self.value.len()
            + self
                .headers
                .iter()
                .map(|h| h.key.len() + h.value.len())
                .sum::<usize>()
    }
}

/// A record as read back from a log, with its offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub offset: u64,
    pub record: Record,
}
