//! The partition log: what a record is, how logs are kept, and the backends that keep them.
//!
//! Everything here is synchronous and blocking on purpose: the broker calls it from
//! `tokio::task::spawn_blocking`, so no file I/O ever runs on the async runtime's threads.
//! Nothing in this module knows about gRPC or the CLI. The rule for topic and group names is
//! here ([`names`]) because a topic name becomes a directory name.
//!
//! - [`PartitionLog`]: one partition's append-only log (append, read by offset, find by time).
//! - [`Storage`]: a backend that opens partition logs and keeps topic metadata.
//! - [`memory::MemoryStorage`]: the in-memory backend (`--storage memory`, tests).
//! - [`file::FileStorage`]: durable segment files with indexes and crash recovery.

pub mod batch;
pub mod deferred_log;
pub mod durable;
pub mod faults;
pub mod file;
pub mod group_commit;
pub mod index;
pub mod inspect;
pub mod journal;
pub mod memory;
pub mod names;
pub mod offset_store;
pub mod partition_log;
pub mod producer_state;
pub mod read_buffers;
pub mod recovery;
pub mod segment;

use std::sync::Arc;

pub use crate::protocol::record::{Header, Record, StoredRecord};

/// The largest record (key + value + headers) accepted by default.
pub const DEFAULT_MAX_RECORD_BYTES: usize = 1024 * 1024;
/// The largest batch accepted by default, encoded.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 16 * 1024 * 1024;
/// The most headers one record may carry.
pub const DEFAULT_MAX_HEADERS_PER_RECORD: usize = 64;
/// The most records one batch may carry.
pub const MAX_RECORDS_PER_BATCH: usize = 1_000_000;

/// Errors of the storage layer. Input over a limit is a typed error and nothing is written.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("record {index} is {size_bytes} bytes, over the limit of {limit_bytes} bytes")]
    RecordTooLarge {
        index: usize,
        size_bytes: usize,
        limit_bytes: usize,
    },
    #[error("batch is {size_bytes} bytes, over the limit of {limit_bytes} bytes")]
    BatchTooLarge {
        size_bytes: usize,
        limit_bytes: usize,
    },
    #[error("record {index} has {count} headers, over the limit of {limit}")]
    TooManyHeaders {
        index: usize,
        count: usize,
        limit: usize,
    },
    #[error("a batch must hold between 1 and {MAX_RECORDS_PER_BATCH} records, got {count}")]
    BadRecordCount { count: usize },
    #[error("offset {offset} is out of range: the log holds [{start_offset}, {end_offset})")]
    OffsetOutOfRange {
        offset: u64,
        start_offset: u64,
        end_offset: u64,
    },
    #[error("corrupt data in {path} at byte {position}: {reason}")]
    Corrupt {
        path: String,
        position: u64,
        reason: String,
    },
    #[error("invalid record batch: {0}")]
    InvalidBatch(batch::BatchError),
    /// An idempotent producer's batch does not follow its last one here: an earlier batch is
    /// missing (still in flight, or lost). `expected` is `None` for a producer unknown here,
    /// whose first batch must start at sequence 0.
    #[error("producer {producer_id} (epoch {producer_epoch}) sent sequence {found} where {} was expected", match .expected { Some(e) => e.to_string(), None => "0 (the producer is unknown to this partition)".to_string() })]
    OutOfOrderSequence {
        producer_id: i64,
        producer_epoch: i16,
        expected: Option<i32>,
        found: i32,
    },
    /// A newer session of the producer has written here: this one may write no more.
    #[error(
        "producer {producer_id} epoch {producer_epoch} is fenced: epoch {current_epoch} has written since"
    )]
    ProducerFenced {
        producer_id: i64,
        producer_epoch: i16,
        current_epoch: i16,
    },
    /// A batch written long enough ago that where it went is forgotten: it is not written again.
    #[error(
        "producer {producer_id} (epoch {producer_epoch}) sent sequence {sequence} again, older than the batches this partition remembers; it is stored, not written again"
    )]
    DuplicateSequence {
        producer_id: i64,
        producer_epoch: i16,
        sequence: i32,
    },
    #[error("no space left on the storage device: {0}")]
    NoSpace(String),
    #[error("data dir {path} is in use by another broker (lock held on {path}/.lock)")]
    DirLocked { path: String },
    #[error("the log is closed")]
    Closed,
    #[error("invalid name {name:?}: {reason}")]
    InvalidName { name: String, reason: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl StorageError {
    /// Wraps an I/O error with what was being done, mapping a full disk (or an exhausted
    /// quota) to [`StorageError::NoSpace`].
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        let context = context.into();
        if matches!(
            source.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        ) {
            return StorageError::NoSpace(format!("{context}: {source}"));
        }
        StorageError::Io { context, source }
    }
}

/// For callers whose errors are `std::io::Error` (openraft's storage traits): the storage error
/// stays inside as the source, so its message (file, byte position) reaches the user.
impl From<StorageError> for std::io::Error {
    fn from(error: StorageError) -> std::io::Error {
        std::io::Error::other(error)
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// When appended data reaches the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FsyncPolicy {
    /// An append returns only after its bytes are fsynced; concurrent appends share one fsync.
    #[default]
    Always,
    /// A background flush every `interval_ms`; an append may be lost if the machine dies within it.
    Interval { interval_ms: u64 },
    /// The OS decides; survives a process crash, not a power loss.
    Never,
}

impl std::str::FromStr for FsyncPolicy {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s {
            "always" => Ok(FsyncPolicy::Always),
            "never" => Ok(FsyncPolicy::Never),
            other => match other.strip_prefix("interval:") {
                Some(ms) => ms
                    .trim_end_matches("ms")
                    .parse::<u64>()
                    .ok()
                    .filter(|ms| *ms > 0)
                    .map(|interval_ms| FsyncPolicy::Interval { interval_ms })
                    .ok_or_else(|| format!("bad fsync interval {ms:?}: expected milliseconds > 0")),
                None => Err(format!(
                    "unknown fsync policy {other:?}: expected always, interval:<ms> or never"
                )),
            },
        }
    }
}

impl std::fmt::Display for FsyncPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FsyncPolicy::Always => write!(f, "always"),
            FsyncPolicy::Interval { interval_ms } => write!(f, "interval:{interval_ms}"),
            FsyncPolicy::Never => write!(f, "never"),
        }
    }
}

/// Limits on what one append may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordLimits {
    pub max_record_bytes: usize,
    pub max_batch_bytes: usize,
    pub max_headers_per_record: usize,
}

impl Default for RecordLimits {
    fn default() -> Self {
        RecordLimits {
            max_record_bytes: DEFAULT_MAX_RECORD_BYTES,
            max_batch_bytes: DEFAULT_MAX_BATCH_BYTES,
            max_headers_per_record: DEFAULT_MAX_HEADERS_PER_RECORD,
        }
    }
}

impl RecordLimits {
    /// Checks a batch against the limits before anything is written.
    pub fn check(&self, records: &[Record]) -> Result<()> {
        if records.is_empty() || records.len() > MAX_RECORDS_PER_BATCH {
            return Err(StorageError::BadRecordCount {
                count: records.len(),
            });
        }
        let mut batch_bytes = 0usize;
        for (index, record) in records.iter().enumerate() {
            batch_bytes += self.check_record(index, record)?;
        }
        self.check_batch_bytes(batch_bytes)
    }

    /// Checks one record (the `index`-th of its batch); returns its payload bytes.
    pub fn check_record(&self, index: usize, record: &Record) -> Result<usize> {
        if record.headers.len() > self.max_headers_per_record {
            return Err(StorageError::TooManyHeaders {
                index,
                count: record.headers.len(),
                limit: self.max_headers_per_record,
            });
        }
        let size_bytes = record.payload_bytes();
        if size_bytes > self.max_record_bytes {
            return Err(StorageError::RecordTooLarge {
                index,
                size_bytes,
                limit_bytes: self.max_record_bytes,
            });
        }
        Ok(size_bytes)
    }

    /// Checks the payload bytes of a whole batch.
    pub fn check_batch_bytes(&self, batch_bytes: usize) -> Result<()> {
        if batch_bytes > self.max_batch_bytes {
            return Err(StorageError::BatchTooLarge {
                size_bytes: batch_bytes,
                limit_bytes: self.max_batch_bytes,
            });
        }
        Ok(())
    }
}

/// How one partition's log is kept: segment rolling and retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LogConfig {
    /// Roll to a new segment once the active one reaches this size.
    pub segment_bytes: u64,
    /// Roll to a new segment once the active one is this old (by its first append).
    pub segment_ms: u64,
    /// Delete closed segments whose newest record is older than this; `None` keeps forever.
    pub retention_ms: Option<u64>,
    /// Delete the oldest closed segments while what remains is still at least this large (Kafka's
    /// rule); `None` is unbounded.
    pub retention_bytes: Option<u64>,
}

/// Default segment size: 1 GiB, like Kafka.
pub const DEFAULT_SEGMENT_BYTES: u64 = 1024 * 1024 * 1024;
/// Default segment age before a roll: 7 days, like Kafka.
pub const DEFAULT_SEGMENT_MS: u64 = 7 * 24 * 60 * 60 * 1000;
/// Default retention: 7 days, like Kafka.
pub const DEFAULT_RETENTION_MS: u64 = 7 * 24 * 60 * 60 * 1000;

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            segment_ms: DEFAULT_SEGMENT_MS,
            retention_ms: Some(DEFAULT_RETENTION_MS),
            retention_bytes: None,
        }
    }
}

/// What an append did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppendOutcome {
    /// Offset of the first record of the batch.
    pub base_offset: u64,
    /// Offset of the last record of the batch.
    pub last_offset: u64,
}

/// What an append of checked batches did: where each batch is, and what was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchesAppended {
    /// Per batch, in order: where it was written, or for a retry of a batch the log already
    /// holds, where it was written before.
    pub placed: Vec<AppendOutcome>,
    /// The offsets this append wrote; `None` when every batch was a retry.
    pub written: Option<AppendOutcome>,
}

/// What a retention pass removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetentionOutcome {
    pub segments_deleted: u64,
    pub bytes_deleted: u64,
    /// The log's start offset after the pass.
    pub start_offset: u64,
}

/// One partition's append-only log.
///
/// Offsets start at 0 and grow by one per record; `start_offset..end_offset` are readable.
/// All methods may block on I/O: call them from a blocking thread.
pub trait PartitionLog: Send + Sync {
    /// Appends `records` as one batch and returns its offsets. When it returns Ok, the batch is
    /// as durable as the fsync policy promises. Invalid input is rejected before any write.
    fn append(&self, records: &[Record]) -> Result<AppendOutcome>;

    /// Reads records with offset >= `from_offset`, whole batches up to about `max_bytes` (always at
    /// least one batch when any exists). Reading at `end_offset` returns an empty list, never an error;
    /// an offset below `start_offset` or above `end_offset` is [`StorageError::OffsetOutOfRange`].
    fn read(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<StoredRecord>>;

    /// Appends batches a producer encoded (checked by [`batch::CheckedBatch::check`]) as they
    /// are, in order, stamping their base offsets: one write and, with fsync=always, one fsync
    /// for all of them. Batches an idempotent producer stamped are checked against what it
    /// wrote before ([`producer_state`]) under the same lock that hands out offsets: a retry of
    /// a batch in the log is placed where it is and not written; an out-of-order, fenced or
    /// too-old batch fails the whole append before anything is written.
    fn append_batches(&self, batches: &[batch::CheckedBatch]) -> Result<BatchesAppended>;

    /// Appends a leader's batches as they are, at the next offsets, remembering their producer
    /// stamps unchecked (the leader checked them): how a follower copies its leader's log, so it
    /// answers a producer's retry as the leader would once it leads.
    fn append_replicated(&self, batches: &[batch::CheckedBatch]) -> Result<AppendOutcome>;

    /// Reads whole stored batches like [`PartitionLog::read`], as their bytes (the format of
    /// docs/storage.md, CRCs checked), for passing through to a reader without decoding. The
    /// first batch may start before `from_offset`: its earlier records are the reader's to skip.
    fn read_batches(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<batch::StoredBatch>>;

    /// The first offset whose record's timestamp is >= `timestamp_ms`, or `None` if there is none.
    fn offset_for_timestamp(&self, timestamp_ms: i64) -> Result<Option<u64>>;

    /// The first readable offset.
    fn start_offset(&self) -> u64;

    /// The offset the next appended record will get.
    fn end_offset(&self) -> u64;

    /// The offset of the first damaged batch the log knows of (found when it was opened or by
    /// a read; reads reaching it fail with [`StorageError::Corrupt`]), until a truncation at
    /// or before it removes it. A replica uses it to drop what it cannot serve and copy it
    /// back from its leader.
    fn damaged_from(&self) -> Option<u64> {
        None
    }

    /// Bytes the log takes in its backend.
    fn size_bytes(&self) -> u64;

    /// Deletes whole closed segments beyond the retention limits; the active segment is never deleted.
    fn enforce_retention(&self, config: &LogConfig, now_ms: i64) -> Result<RetentionOutcome>;

    /// Removes every record at or after `offset`, durably (a replica dropping a suffix its
    /// leader does not have). A cut inside a batch keeps the batch's records before `offset`.
    /// An offset at or past the end changes nothing; one below the start is out of range.
    fn truncate(&self, offset: u64) -> Result<()>;

    /// Flushes everything to durable storage.
    fn flush(&self) -> Result<()>;

    /// Flushes and marks a clean shutdown; later calls fail with [`StorageError::Closed`].
    fn close(&self) -> Result<()>;

    /// Stops taking appends without making anything durable, for a log whose files are about
    /// to be deleted with its topic; later appends fail with [`StorageError::Closed`].
    fn discard(&self);
}

/// A topic's persistent description, kept by the storage backend.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TopicMeta {
    pub name: String,
    pub partitions: u32,
    pub config: LogConfig,
}

/// A storage backend: opens partition logs and keeps topic metadata crash-safe.
pub trait Storage: Send + Sync {
    /// A short name for logs: "file" or "memory".
    fn kind(&self) -> &'static str;

    /// Every topic that exists in the backend.
    fn load_topics(&self) -> Result<Vec<TopicMeta>>;

    /// Creates or replaces a topic's metadata durably.
    fn save_topic(&self, meta: &TopicMeta) -> Result<()>;

    /// Opens (creating if needed, recovering if needed) one partition's log. A backend may
    /// create a new log's files only at its first append (the file backend does).
    fn open_partition(
        &self,
        topic: &str,
        partition: u32,
        config: &LogConfig,
    ) -> Result<Arc<dyn PartitionLog>>;

    /// Reserves `count` producer ids never handed out before by this backend (its data dir, for
    /// the file backend), durably: returns the first. A single broker's idempotent producers
    /// take their ids from here; a cluster's come from its metadata quorum.
    fn reserve_producer_ids(&self, count: u64) -> Result<i64>;

    /// Deletes a topic's metadata and every partition's data, durably before it returns (its
    /// name is free at once); the file backend removes the files afterwards, in the background.
    /// Its logs must be closed or discarded first.
    fn delete_topic(&self, topic: &str) -> Result<()>;
}
