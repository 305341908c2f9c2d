//! The in-memory backend: the same contract as the file backend, nothing survives the process.
//!
//! Each appended batch is kept whole, like a tiny closed segment, so retention deletes whole
//! batches (never the newest one) just as the file backend deletes whole segments.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, RwLock};

use super::batch::{self, CheckedBatch, ProducerStamp, StoredBatch};
use super::producer_state::{Admission, ProducerStates};
use super::{
    AppendOutcome, BatchesAppended, LogConfig, PartitionLog, Record, RecordLimits, Result,
    RetentionOutcome, Storage, StorageError, StoredRecord, TopicMeta,
};

/// Bytes a record is taken to occupy beyond its payload, so size accounting resembles the file log.
const RECORD_OVERHEAD_BYTES: u64 = 16;

/// Topics and partition logs held in memory.
#[derive(Default)]
pub struct MemoryStorage {
    limits: RecordLimits,
    topics: Mutex<BTreeMap<String, TopicMeta>>,
    logs: Mutex<BTreeMap<(String, u32), Arc<MemoryLog>>>,
    /// The next producer id to hand out: nothing of a memory backend outlives it, so ids need
    /// not either.
    next_producer_id: Mutex<i64>,
}

impl MemoryStorage {
    pub fn new(limits: RecordLimits) -> Self {
        MemoryStorage {
            limits,
            ..Default::default()
        }
    }
}

impl Storage for MemoryStorage {
    fn kind(&self) -> &'static str {
        "memory"
    }

    fn load_topics(&self) -> Result<Vec<TopicMeta>> {
        Ok(lock(&self.topics).values().cloned().collect())
    }

    fn save_topic(&self, meta: &TopicMeta) -> Result<()> {
        lock(&self.topics).insert(meta.name.clone(), meta.clone());
        Ok(())
    }

    fn open_partition(
        &self,
        topic: &str,
        partition: u32,
        _config: &LogConfig,
    ) -> Result<Arc<dyn PartitionLog>> {
        let log = lock(&self.logs)
            .entry((topic.to_string(), partition))
            .or_insert_with(|| Arc::new(MemoryLog::new(self.limits)))
            .clone();
        Ok(log)
    }

    fn reserve_producer_ids(&self, count: u64) -> Result<i64> {
        let mut next = lock(&self.next_producer_id);
        let first = *next;
        *next = first.saturating_add(count as i64);
        Ok(first)
    }

    fn delete_topic(&self, topic: &str) -> Result<()> {
        lock(&self.topics).remove(topic);
        lock(&self.logs).retain(|(name, _), _| name != topic);
        Ok(())
    }
}

/// A batch as kept in memory.
struct MemoryBatch {
    base_offset: u64,
    /// Who wrote it, kept so a follower copying this log learns its producers too.
    producer: ProducerStamp,
    records: Vec<StoredRecord>,
    size_bytes: u64,
    max_timestamp_ms: i64,
}

#[derive(Default)]
struct MemoryLogState {
    batches: Vec<MemoryBatch>,
    start_offset: u64,
    end_offset: u64,
    size_bytes: u64,
    closed: bool,
    producers: ProducerStates,
}

impl MemoryLogState {
    /// Appends records (limits checked) as one batch.
    fn push(&mut self, producer: ProducerStamp, records: Vec<Record>) -> AppendOutcome {
        let base_offset = self.end_offset;
        let size_bytes = records
            .iter()
            .map(|r| r.payload_bytes() as u64 + RECORD_OVERHEAD_BYTES)
            .sum();
        let max_timestamp_ms = records.iter().map(|r| r.timestamp_ms).max().unwrap_or(0);
        let last_offset = base_offset + records.len() as u64 - 1;
        let stored = records
            .into_iter()
            .zip(base_offset..)
            .map(|(record, offset)| StoredRecord { offset, record })
            .collect();
        self.producers.record(
            producer,
            (last_offset - base_offset + 1) as u32,
            base_offset,
            now_ms(),
        );
        self.batches.push(MemoryBatch {
            base_offset,
            producer,
            records: stored,
            size_bytes,
            max_timestamp_ms,
        });
        self.end_offset = last_offset + 1;
        self.size_bytes += size_bytes;
        AppendOutcome {
            base_offset,
            last_offset,
        }
    }

    /// The whole batches a read from `from_offset` returns: the one holding it, then the next
    /// ones while they fit in `max_bytes` (at least one).
    fn batches_from(&self, from_offset: u64, max_bytes: usize) -> Result<&[MemoryBatch]> {
        if from_offset < self.start_offset || from_offset > self.end_offset {
            return Err(StorageError::OffsetOutOfRange {
                offset: from_offset,
                start_offset: self.start_offset,
                end_offset: self.end_offset,
            });
        }
        if from_offset == self.end_offset {
            return Ok(&[]);
        }
        // The batch holding from_offset: the last one whose base is <= it.
        let first = self
            .batches
            .partition_point(|b| b.base_offset <= from_offset)
            .saturating_sub(1);
        let mut bytes = 0u64;
        let mut end = first;
        for batch in &self.batches[first..] {
            if end > first && bytes + batch.size_bytes > max_bytes as u64 {
                break;
            }
            bytes += batch.size_bytes;
            end += 1;
        }
        Ok(&self.batches[first..end])
    }
}

/// One partition's log in memory.
pub struct MemoryLog {
    limits: RecordLimits,
    state: RwLock<MemoryLogState>,
}

impl MemoryLog {
    pub fn new(limits: RecordLimits) -> Self {
        MemoryLog {
            limits,
            state: RwLock::default(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves plain data that is still consistent.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl PartitionLog for MemoryLog {
    fn append(&self, records: &[Record]) -> Result<AppendOutcome> {
        self.limits.check(records)?;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.closed {
            return Err(StorageError::Closed);
        }
        Ok(state.push(ProducerStamp::NONE, records.to_vec()))
    }

    fn append_batches(&self, batches: &[CheckedBatch]) -> Result<BatchesAppended> {
        let decoded = decode_all(batches)?;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.closed {
            return Err(StorageError::Closed);
        }
        let now = now_ms();
        let first_new = state.end_offset;
        let mut placed = Vec::with_capacity(decoded.len());
        let mut written: Option<AppendOutcome> = None;
        for b in decoded {
            let admission =
                match state
                    .producers
                    .admit(b.header.producer, b.header.record_count, now)
                {
                    Ok(admission) => admission,
                    Err(e) => {
                        // Nothing of a refused append stays: drop what this call already pushed.
                        state.drop_from(first_new);
                        return Err(e);
                    }
                };
            let at = match admission {
                Admission::Duplicate(at) => at,
                Admission::Write => {
                    let at = state.push(
                        b.header.producer,
                        b.records.into_iter().map(|r| r.record).collect(),
                    );
                    written = Some(AppendOutcome {
                        base_offset: written.map_or(at.base_offset, |w| w.base_offset),
                        last_offset: at.last_offset,
                    });
                    at
                }
            };
            placed.push(at);
        }
        Ok(BatchesAppended { placed, written })
    }

    fn append_replicated(&self, batches: &[CheckedBatch]) -> Result<AppendOutcome> {
        let decoded = decode_all(batches)?;
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.closed {
            return Err(StorageError::Closed);
        }
        let base_offset = state.end_offset;
        for b in decoded {
            state.push(
                b.header.producer,
                b.records.into_iter().map(|r| r.record).collect(),
            );
        }
        Ok(AppendOutcome {
            base_offset,
            last_offset: state.end_offset - 1,
        })
    }

    fn read(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<StoredRecord>> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        for batch in state.batches_from(from_offset, max_bytes)? {
            out.extend(
                batch
                    .records
                    .iter()
                    .filter(|r| r.offset >= from_offset)
                    .cloned(),
            );
        }
        Ok(out)
    }

    fn read_batches(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<StoredBatch>> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        Ok(state
            .batches_from(from_offset, max_bytes)?
            .iter()
            .map(|b| {
                let records: Vec<Record> = b.records.iter().map(|r| r.record.clone()).collect();
                StoredBatch::encode_stamped(b.base_offset, b.producer, &records)
            })
            .collect())
    }

    fn offset_for_timestamp(&self, timestamp_ms: i64) -> Result<Option<u64>> {
        let state = self.state.read().unwrap_or_else(|e| e.into_inner());
        // Batches' running max timestamp is monotonic: the first batch reaching the target holds
        // the first record at or after it.
        let mut running_max = i64::MIN;
        for batch in &state.batches {
            running_max = running_max.max(batch.max_timestamp_ms);
            if running_max >= timestamp_ms {
                return Ok(batch
                    .records
                    .iter()
                    .find(|r| r.record.timestamp_ms >= timestamp_ms)
                    .map(|r| r.offset));
            }
        }
        Ok(None)
    }

    fn start_offset(&self) -> u64 {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .start_offset
    }

    fn end_offset(&self) -> u64 {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .end_offset
    }

    fn size_bytes(&self) -> u64 {
        self.state
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .size_bytes
    }

    fn enforce_retention(&self, config: &LogConfig, now_ms: i64) -> Result<RetentionOutcome> {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        let mut outcome = RetentionOutcome::default();
        // The newest batch plays the active segment and is never deleted.
        while state.batches.len() > 1 {
            let oldest = &state.batches[0];
            let too_old = config
                .retention_ms
                .is_some_and(|ms| now_ms.saturating_sub(oldest.max_timestamp_ms) > ms as i64);
            // Like Kafka: drop the oldest only while what remains still meets the size limit.
            let too_big = config
                .retention_bytes
                .is_some_and(|limit| state.size_bytes - oldest.size_bytes >= limit);
            if !(too_old || too_big) {
                break;
            }
            let removed = state.batches.remove(0);
            state.size_bytes -= removed.size_bytes;
            outcome.segments_deleted += 1;
            outcome.bytes_deleted += removed.size_bytes;
            state.start_offset = state.batches[0].base_offset;
        }
        outcome.start_offset = state.start_offset;
        Ok(outcome)
    }

    fn truncate(&self, offset: u64) -> Result<()> {
        let mut state = self.state.write().unwrap_or_else(|e| e.into_inner());
        if state.closed {
            return Err(StorageError::Closed);
        }
        if offset >= state.end_offset {
            return Ok(());
        }
        if offset < state.start_offset {
            return Err(StorageError::OffsetOutOfRange {
                offset,
                start_offset: state.start_offset,
                end_offset: state.end_offset,
            });
        }
        state.drop_from(offset);
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        Ok(())
    }

    fn close(&self) -> Result<()> {
        self.state.write().unwrap_or_else(|e| e.into_inner()).closed = true;
        Ok(())
    }

    fn discard(&self) {
        self.state.write().unwrap_or_else(|e| e.into_inner()).closed = true;
    }
}

/// Decodes checked batches (which cannot fail: they were checked); none is an error.
fn decode_all(batches: &[CheckedBatch]) -> Result<Vec<batch::RecordBatch>> {
    if batches.is_empty() {
        return Err(StorageError::BadRecordCount { count: 0 });
    }
    Ok(batches
        .iter()
        .map(|b| batch::decode(b.bytes().clone()))
        .collect::<std::result::Result<Vec<_>, _>>()?)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl MemoryLogState {
    /// Removes every record at or after `offset` (at or past the start, below the end), and
    /// what the producer states say of them.
    fn drop_from(&mut self, offset: u64) {
        if offset >= self.end_offset {
            return;
        }
        self.producers.truncate(offset);
        let state = self;
        while let Some(batch) = state.batches.last_mut() {
            if batch.base_offset >= offset {
                let removed = batch.size_bytes;
                state.batches.pop();
                state.size_bytes -= removed;
                continue;
            }
            batch.records.retain(|r| r.offset < offset);
            let kept: u64 = batch
                .records
                .iter()
                .map(|r| r.record.payload_bytes() as u64 + RECORD_OVERHEAD_BYTES)
                .sum();
            let removed = batch.size_bytes - kept;
            batch.size_bytes = kept;
            batch.max_timestamp_ms = batch
                .records
                .iter()
                .map(|r| r.record.timestamp_ms)
                .max()
                .unwrap_or(0);
            state.size_bytes -= removed;
            break;
        }
        state.end_offset = offset;
    }
}
