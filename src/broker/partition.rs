//! One partition as the broker sees it: its log, plus a signal that fires on every append so
//! long-polling fetches and subscribers wake at once instead of polling.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::storage::{AppendOutcome, PartitionLog, Record, StoredRecord};

use super::BrokerError;

/// A partition's log and its append notifications.
pub struct Partition {
    pub id: u32,
    log: Arc<dyn PartitionLog>,
    /// The log's end offset, published after every append.
    end_offset: watch::Sender<u64>,
}

impl Partition {
    pub fn new(id: u32, log: Arc<dyn PartitionLog>) -> Self {
        let (end_offset, _) = watch::channel(log.end_offset());
        Partition {
            id,
            log,
            end_offset,
        }
    }

    /// Appends one batch on a blocking thread (the log may fsync) and wakes waiting readers.
    pub async fn append(&self, records: Vec<Record>) -> Result<AppendOutcome, BrokerError> {
        let log = self.log.clone();
        let outcome = tokio::task::spawn_blocking(move || log.append(&records))
            .await
            .map_err(|e| BrokerError::Internal(format!("append task failed: {e}")))??;
        self.end_offset.send_replace(outcome.last_offset + 1);
        Ok(outcome)
    }

    /// Reads records from `from_offset` on a blocking thread.
    pub async fn read(
        &self,
        from_offset: u64,
        max_bytes: usize,
    ) -> Result<Vec<StoredRecord>, BrokerError> {
        let log = self.log.clone();
        Ok(
            tokio::task::spawn_blocking(move || log.read(from_offset, max_bytes))
                .await
                .map_err(|e| BrokerError::Internal(format!("read task failed: {e}")))??,
        )
    }

    /// The first offset at or after `timestamp_ms`, or the end of the log when there is none.
    pub async fn offset_for_timestamp(&self, timestamp_ms: i64) -> Result<u64, BrokerError> {
        let log = self.log.clone();
        let found = tokio::task::spawn_blocking(move || log.offset_for_timestamp(timestamp_ms))
            .await
            .map_err(|e| BrokerError::Internal(format!("lookup task failed: {e}")))??;
        Ok(found.unwrap_or_else(|| self.log.end_offset()))
    }

    /// Waits until the log's end offset passes `offset`, or `max_wait` elapses.
    pub async fn wait_for_records_after(&self, offset: u64, max_wait: Duration) {
        let mut end = self.end_offset.subscribe();
        let _ = tokio::time::timeout(max_wait, end.wait_for(|end| *end > offset)).await;
    }

    pub fn start_offset(&self) -> u64 {
        self.log.start_offset()
    }

    pub fn end_offset(&self) -> u64 {
        self.log.end_offset()
    }

    pub fn size_bytes(&self) -> u64 {
        self.log.size_bytes()
    }

    /// The underlying log, for maintenance work (retention, flush, close) on blocking threads.
    pub fn log(&self) -> &Arc<dyn PartitionLog> {
        &self.log
    }
}
