//! Subscriptions: records pushed to a subscriber as soon as they are appended.
//!
//! One task per subscribed partition reads from the log and sends batches into a bounded
//! channel. The channel is the flow control: when the subscriber reads slowly the channel fills,
//! the task stops reading, and it resumes from the log later. The broker never holds more than
//! [`SUBSCRIPTION_WINDOW_BATCHES`] batches per subscription, however far behind it falls.
//! New records wake the task through the partition's append notification, never a poll loop.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;

use crate::storage::{StorageError, StoredRecord};

use super::{Broker, BrokerError, Partition, StartPosition};

/// Batches a subscription may have read ahead of its subscriber.
pub const SUBSCRIPTION_WINDOW_BATCHES: usize = 8;
/// The most one read for a subscription may take.
pub const SUBSCRIPTION_READ_BYTES: usize = 1024 * 1024;
/// The least one read asks for (whole batches are read regardless).
const SUBSCRIPTION_MIN_READ_BYTES: usize = 4 * 1024;
/// Records in one batch when the subscriber sets no limit.
pub const DEFAULT_SUBSCRIPTION_BATCH_RECORDS: u32 = 1000;
/// The most records in one message; a subscriber asking for more gets this many.
pub const MAX_SUBSCRIPTION_BATCH_RECORDS: u32 = 10_000;
/// What a stored record takes beyond its payload, about (varints, attributes, batch header share).
const RECORD_FRAMING_BYTES: usize = 16;
/// How long an idle partition task waits before checking that its subscriber is still there.
const IDLE_CHECK: Duration = Duration::from_secs(30);

/// What a subscription delivers: a partition's next records, or its start position.
#[derive(Debug, Clone)]
pub struct SubscriptionBatch {
    pub partition: u32,
    /// Empty in the first message of each partition, which carries the resolved start.
    pub records: Vec<StoredRecord>,
    /// The offset after the last record delivered: where to resume.
    pub next_offset: u64,
    pub log_end_offset: u64,
}

/// Items of a subscription stream: a batch, or the error that ended a partition.
pub type SubscriptionItem = Result<SubscriptionBatch, BrokerError>;

impl Broker {
    /// Starts streaming `partitions` of `topic` (each with its start position). Resolves every
    /// start before returning, so a bad request fails here rather than mid-stream.
    pub async fn subscribe(
        &self,
        topic: &str,
        partitions: Vec<(u32, StartPosition)>,
        max_batch_records: u32,
    ) -> Result<mpsc::Receiver<SubscriptionItem>, BrokerError> {
        let topic = self.topic(topic)?;
        if max_batch_records == 0 {
            return Err(BrokerError::InvalidArgument(
                "max_batch_records must be at least 1 when set, got 0".into(),
            ));
        }
        let max_batch_records = max_batch_records.min(MAX_SUBSCRIPTION_BATCH_RECORDS) as usize;
        let mut starts = Vec::with_capacity(partitions.len());
        for (partition, start) in partitions {
            let partition = topic.partition(partition)?;
            let offset = self.resolve(&partition, start).await?;
            starts.push((partition, offset));
        }
        let (tx, rx) = mpsc::channel(SUBSCRIPTION_WINDOW_BATCHES);
        for (partition, offset) in starts {
            tokio::spawn(stream_partition(
                topic.name(),
                partition,
                offset,
                max_batch_records,
                tx.clone(),
            ));
        }
        Ok(rx)
    }
}

/// Reads one partition from `next_offset`, sending batches until the subscriber leaves or the
/// topic is deleted (which ends the subscription with "not found").
async fn stream_partition(
    topic: String,
    partition: Arc<Partition>,
    mut next_offset: u64,
    max_batch_records: usize,
    tx: mpsc::Sender<SubscriptionItem>,
) {
    let opening = SubscriptionBatch {
        partition: partition.id,
        records: Vec::new(),
        next_offset,
        log_end_offset: partition.end_offset(),
    };
    if tx.send(Ok(opening)).await.is_err() {
        return;
    }
    let mut read_bytes = SUBSCRIPTION_MIN_READ_BYTES;
    loop {
        if partition.is_deleted() {
            let _ = tx.send(Err(BrokerError::TopicNotFound(topic))).await;
            return;
        }
        if next_offset >= partition.end_offset() {
            tokio::select! {
                _ = partition.wait_for_records_after(next_offset, IDLE_CHECK) => {}
                _ = tx.closed() => return,
            }
            continue;
        }
        let mut records = match partition.read(next_offset, read_bytes).await {
            Ok(records) => records,
            Err(BrokerError::Storage(StorageError::OffsetOutOfRange { start_offset, .. }))
                if next_offset < start_offset =>
            {
                // Retention deleted what this subscriber had not read yet: resume at the oldest
                // record left, as Kafka's auto.offset.reset=earliest would.
                tracing::warn!(
                    partition = partition.id,
                    from = next_offset,
                    to = start_offset,
                    "subscriber fell behind retention; skipping deleted records"
                );
                next_offset = start_offset;
                continue;
            }
            // A deleted topic's log is closed under its readers: say what happened, not how.
            Err(_) if partition.is_deleted() => continue,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        };
        // Size the next read to about one message's worth: reading more only to drop it cost
        // a re-read and a re-decode, and kept whole buffers alive for a few records each.
        let bytes_per_record = records
            .iter()
            .map(|r| r.record.payload_bytes() + RECORD_FRAMING_BYTES)
            .sum::<usize>()
            / records.len().max(1);
        read_bytes = (bytes_per_record * max_batch_records)
            .clamp(SUBSCRIPTION_MIN_READ_BYTES, SUBSCRIPTION_READ_BYTES);
        records.truncate(max_batch_records);
        let Some(last) = records.last() else {
            // Nothing readable below the end offset yet: wait for the next append, not a spin.
            tokio::select! {
                _ = partition.wait_for_records_after(partition.end_offset(), IDLE_CHECK) => {}
                _ = tx.closed() => return,
            }
            continue;
        };
        next_offset = last.offset + 1;
        let batch = SubscriptionBatch {
            partition: partition.id,
            records,
            next_offset,
            log_end_offset: partition.end_offset(),
        };
        // Waits while the window is full: this is where a slow subscriber holds the task back.
        if tx.send(Ok(batch)).await.is_err() {
            return;
        }
    }
}
