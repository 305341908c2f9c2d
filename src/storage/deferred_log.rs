//! [`DeferredLog`]: a partition log on file storage whose dir and first segment are made by its
//! first append, not when its topic is created.
//!
//! Why: a topic of 10,000 partitions cost 20,000 directory and file creations plus their fsyncs
//! before CreateTopic could answer, seconds past a client's deadline. An empty log needs no
//! files: until its first append it is answered as one (offsets 0..0), and the partition dir is
//! created, made durable (its entry in the topic dir too) and recovered like any other before
//! that append is written. A partition dir that exists is opened at once, as before.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use super::batch::{CheckedBatch, StoredBatch};
use super::durable::sync_dir;
use super::partition_log::FilePartitionLog;
use super::recovery::Verify;
use super::{
    AppendOutcome, BatchesAppended, FsyncPolicy, LogConfig, PartitionLog, Record, RecordLimits,
    Result, RetentionOutcome, StorageError, StoredRecord,
};

/// A partition's log, created on its first append.
pub struct DeferredLog {
    dir: PathBuf,
    config: LogConfig,
    limits: RecordLimits,
    fsync: FsyncPolicy,
    verify: Verify,
    log: OnceLock<FilePartitionLog>,
    /// Held while the log is created, and to close a log not yet created: an append racing a
    /// topic's deletion must not make its dir again.
    lifecycle: Mutex<Lifecycle>,
}

#[derive(Default)]
struct Lifecycle {
    closed: bool,
}

impl DeferredLog {
    /// The log in `dir`: opened (and recovered) now when the dir exists, else on first append.
    pub fn open(
        dir: &Path,
        config: LogConfig,
        limits: RecordLimits,
        fsync: FsyncPolicy,
        verify: Verify,
    ) -> Result<DeferredLog> {
        let log = OnceLock::new();
        if dir.exists() {
            let _ = log.set(FilePartitionLog::open_checking(
                dir, config, limits, fsync, verify,
            )?);
        }
        Ok(DeferredLog {
            dir: dir.to_path_buf(),
            config,
            limits,
            fsync,
            verify,
            log,
            lifecycle: Mutex::new(Lifecycle::default()),
        })
    }

    /// True once `close()` or `discard()` has run.
    pub fn is_closed(&self) -> bool {
        match self.log.get() {
            Some(log) => log.is_closed(),
            None => self.lifecycle().closed,
        }
    }

    fn lifecycle(&self) -> MutexGuard<'_, Lifecycle> {
        self.lifecycle.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The log, created (dir, first segment, both durable) if it was not yet.
    fn created(&self) -> Result<&FilePartitionLog> {
        if let Some(log) = self.log.get() {
            return Ok(log);
        }
        let lifecycle = self.lifecycle();
        if let Some(log) = self.log.get() {
            return Ok(log);
        }
        if lifecycle.closed {
            return Err(StorageError::Closed);
        }
        let log = FilePartitionLog::open_checking(
            &self.dir,
            self.config,
            self.limits,
            self.fsync,
            self.verify,
        )?;
        // The segment's entry is durable in the partition dir (Segment::create syncs it); the
        // partition dir's entry in the topic dir is made durable here, before any append is
        // acknowledged into it.
        if let Some(topic_dir) = self.dir.parent() {
            sync_dir(topic_dir)?;
        }
        Ok(self.log.get_or_init(|| log))
    }

    /// What an empty log answers to a read from `from_offset`.
    fn empty_read<T>(from_offset: u64) -> Result<Vec<T>> {
        if from_offset == 0 {
            return Ok(Vec::new());
        }
        Err(StorageError::OffsetOutOfRange {
            offset: from_offset,
            start_offset: 0,
            end_offset: 0,
        })
    }
}

impl PartitionLog for DeferredLog {
    fn append(&self, records: &[Record]) -> Result<AppendOutcome> {
        self.created()?.append(records)
    }

    fn read(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<StoredRecord>> {
        match self.log.get() {
            Some(log) => log.read(from_offset, max_bytes),
            None => Self::empty_read(from_offset),
        }
    }

    fn append_batches(&self, batches: &[CheckedBatch]) -> Result<BatchesAppended> {
        self.created()?.append_batches(batches)
    }

    fn append_replicated(&self, batches: &[CheckedBatch]) -> Result<AppendOutcome> {
        self.created()?.append_replicated(batches)
    }

    fn read_batches(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<StoredBatch>> {
        match self.log.get() {
            Some(log) => log.read_batches(from_offset, max_bytes),
            None => Self::empty_read(from_offset),
        }
    }

    fn offset_for_timestamp(&self, timestamp_ms: i64) -> Result<Option<u64>> {
        match self.log.get() {
            Some(log) => log.offset_for_timestamp(timestamp_ms),
            None => Ok(None),
        }
    }

    fn start_offset(&self) -> u64 {
        self.log.get().map_or(0, |log| log.start_offset())
    }

    fn end_offset(&self) -> u64 {
        self.log.get().map_or(0, |log| log.end_offset())
    }

    fn damaged_from(&self) -> Option<u64> {
        self.log.get().and_then(|log| log.damaged_from())
    }

    fn size_bytes(&self) -> u64 {
        self.log.get().map_or(0, |log| log.size_bytes())
    }

    fn enforce_retention(&self, config: &LogConfig, now_ms: i64) -> Result<RetentionOutcome> {
        match self.log.get() {
            Some(log) => log.enforce_retention(config, now_ms),
            None => Ok(RetentionOutcome::default()),
        }
    }

    fn truncate(&self, offset: u64) -> Result<()> {
        match self.log.get() {
            Some(log) => log.truncate(offset),
            // Every offset is at or past the end of an empty log: nothing to cut.
            None => Ok(()),
        }
    }

    fn flush(&self) -> Result<()> {
        match self.log.get() {
            Some(log) => log.flush(),
            None => Ok(()),
        }
    }

    fn close(&self) -> Result<()> {
        let mut lifecycle = self.lifecycle();
        lifecycle.closed = true;
        match self.log.get() {
            Some(log) => log.close(),
            None => Ok(()),
        }
    }

    fn discard(&self) {
        let mut lifecycle = self.lifecycle();
        lifecycle.closed = true;
        if let Some(log) = self.log.get() {
            log.discard();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(value: &'static str) -> Record {
        Record {
            timestamp_ms: 1,
            key: None,
            value: bytes::Bytes::from_static(value.as_bytes()),
            headers: Vec::new(),
        }
    }

    #[test]
    fn an_empty_log_makes_no_files_until_its_first_append() {
        let topic = tempfile::tempdir().unwrap();
        let dir = topic.path().join("0");
        let open = || {
            DeferredLog::open(
                &dir,
                LogConfig::default(),
                RecordLimits::default(),
                FsyncPolicy::Always,
                Verify::Unflushed,
            )
            .unwrap()
        };
        let log = open();
        assert_eq!((log.start_offset(), log.end_offset()), (0, 0));
        assert!(log.read(0, 1024).unwrap().is_empty());
        assert!(matches!(
            log.read(1, 1024),
            Err(StorageError::OffsetOutOfRange { .. })
        ));
        log.flush().unwrap();
        log.enforce_retention(&LogConfig::default(), 0).unwrap();
        assert!(!dir.exists());
        assert_eq!(log.append(&[record("first")]).unwrap().base_offset, 0);
        assert!(dir.exists());
        log.close().unwrap();
        let reopened = open();
        assert_eq!(reopened.end_offset(), 1);
        assert_eq!(reopened.read(0, 1024).unwrap().len(), 1);
    }

    #[test]
    fn a_discarded_log_never_makes_its_dir() {
        let topic = tempfile::tempdir().unwrap();
        let dir = topic.path().join("0");
        let log = DeferredLog::open(
            &dir,
            LogConfig::default(),
            RecordLimits::default(),
            FsyncPolicy::Always,
            Verify::Unflushed,
        )
        .unwrap();
        log.discard();
        assert!(matches!(
            log.append(&[record("late")]),
            Err(StorageError::Closed)
        ));
        assert!(!dir.exists());
        assert!(log.is_closed());
    }
}
