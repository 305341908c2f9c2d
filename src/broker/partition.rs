//! One partition as the broker sees it: its log, plus a signal that fires on every append so
//! long-polling fetches and subscribers wake at once instead of polling.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use bytes::Bytes;

use crate::storage::batch::{BatchHeader, CheckedBatch};
use crate::storage::{AppendOutcome, PartitionLog, Record, StoredRecord};

use super::BrokerError;

/// A partition's log and its append notifications.
pub struct Partition {
    pub id: u32,
    log: Arc<dyn PartitionLog>,
    /// One past the last acknowledged record, published after every append.
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
        self.publish_acked(outcome.last_offset + 1);
        Ok(outcome)
    }

    /// Moves the visible end to `acked_end` and wakes readers. Appends can finish out of order;
    /// the end only moves forward. With group commit a later batch is never durable before an
    /// earlier one, so the maximum is durable throughout.
    fn publish_acked(&self, acked_end: u64) {
        self.end_offset.send_if_modified(|end| {
            let moved = acked_end > *end;
            *end = (*end).max(acked_end);
            moved
        });
    }

    /// Appends batches producers encoded (already checked), in one write, and wakes readers.
    pub async fn append_batches(
        &self,
        batches: Vec<CheckedBatch>,
    ) -> Result<AppendOutcome, BrokerError> {
        let log = self.log.clone();
        let outcome = tokio::task::spawn_blocking(move || log.append_batches(&batches))
            .await
            .map_err(|e| BrokerError::Internal(format!("append task failed: {e}")))??;
        self.publish_acked(outcome.last_offset + 1);
        Ok(outcome)
    }

    /// Reads acknowledged whole batches from `from_offset`, as stored (see
    /// [`PartitionLog::read_batches`]); like [`Partition::read`], nothing unacknowledged.
    pub async fn read_batches(
        &self,
        from_offset: u64,
        max_bytes: usize,
    ) -> Result<Vec<Bytes>, BrokerError> {
        let log = self.log.clone();
        let end = self.end_offset();
        let mut batches =
            tokio::task::spawn_blocking(move || log.read_batches(from_offset, max_bytes))
                .await
                .map_err(|e| BrokerError::Internal(format!("read task failed: {e}")))??;
        // Acknowledgements come whole batches at a time, so a batch is visible entirely or not
        // at all; a header that does not parse is never served.
        let visible = batches.partition_point(|b| {
            BatchHeader::parse(b).is_ok_and(|header| header.next_offset() <= end)
        });
        batches.truncate(visible);
        Ok(batches)
    }

    /// Reads acknowledged records from `from_offset` on a blocking thread. Records written but
    /// not yet acknowledged (still waiting for their fsync) are never returned: a reader must not
    /// see what a power loss could take back.
    pub async fn read(
        &self,
        from_offset: u64,
        max_bytes: usize,
    ) -> Result<Vec<StoredRecord>, BrokerError> {
        let log = self.log.clone();
        let end = self.end_offset();
        let mut records = tokio::task::spawn_blocking(move || log.read(from_offset, max_bytes))
            .await
            .map_err(|e| BrokerError::Internal(format!("read task failed: {e}")))??;
        let visible = records.partition_point(|r| r.offset < end);
        records.truncate(visible);
        Ok(records)
    }

    /// The first offset at or after `timestamp_ms`, or the end of the log when there is none.
    pub async fn offset_for_timestamp(&self, timestamp_ms: i64) -> Result<u64, BrokerError> {
        let log = self.log.clone();
        let found = tokio::task::spawn_blocking(move || log.offset_for_timestamp(timestamp_ms))
            .await
            .map_err(|e| BrokerError::Internal(format!("lookup task failed: {e}")))??;
        let end = self.end_offset();
        Ok(found.map_or(end, |offset| offset.min(end)))
    }

    /// Waits until the log's end offset passes `offset`, or `max_wait` elapses.
    pub async fn wait_for_records_after(&self, offset: u64, max_wait: Duration) {
        let mut end = self.end_offset.subscribe();
        let _ = tokio::time::timeout(max_wait, end.wait_for(|end| *end > offset)).await;
    }

    pub fn start_offset(&self) -> u64 {
        self.log.start_offset()
    }

    /// One past the last acknowledged record: what readers may see.
    pub fn end_offset(&self) -> u64 {
        *self.end_offset.borrow()
    }

    pub fn size_bytes(&self) -> u64 {
        self.log.size_bytes()
    }

    /// The underlying log, for maintenance work (retention, flush, close) on blocking threads.
    pub fn log(&self) -> &Arc<dyn PartitionLog> {
        &self.log
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::RecordLimits;
    use crate::storage::memory::MemoryLog;

    fn record(value: &'static str) -> Record {
        Record {
            timestamp_ms: 1,
            key: None,
            value: bytes::Bytes::from_static(value.as_bytes()),
            headers: Vec::new(),
        }
    }

    #[tokio::test]
    async fn records_not_yet_acknowledged_are_invisible() {
        let log = Arc::new(MemoryLog::new(RecordLimits::default()));
        let partition = Partition::new(0, log.clone());
        partition.append(vec![record("acked")]).await.unwrap();
        // A write whose append has not returned yet (its fsync still pending) looks like this.
        log.append(&[record("in flight")]).unwrap();
        let read = partition.read(0, 1 << 20).await.unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(partition.end_offset(), 1);
        assert_eq!(partition.offset_for_timestamp(1).await.unwrap(), 0);
        assert_eq!(partition.offset_for_timestamp(2).await.unwrap(), 1);
    }
}
