//! The durable [`PartitionLog`]: segments in a partition dir, one appender at a time, readers
//! never blocked by writes or fsyncs.
//!
//! Locks, and why there are three:
//! - `appender` (Mutex): one append, roll or retention pass at a time. It is never held across
//!   a group fsync, only across the write itself (and the rare roll, which syncs the closing
//!   segment).
//! - `segments` (RwLock): the segment list; writers hold it only to push or remove an entry,
//!   readers only to pick a segment. No I/O happens under it.
//! - the group commit's own mutex (see [`super::group_commit`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock, Weak};
use std::thread::JoinHandle;
use std::time::Duration;

use super::batch::{
    self, BATCH_HEADER_BYTES, BatchHeader, CheckedBatch, MAX_BATCH_LENGTH_BYTES, ProducerStamp,
    StoredBatch,
};
use super::durable::sync_dir;
use super::group_commit::{GroupCommit, LogEnd};
use super::producer_state::{Admission, PRODUCER_IDLE_EXPIRY_MS, ProducerStates};
use super::recovery::{self, Verify, write_clean_shutdown, write_recovery_point};
use super::segment::{
    Damage, FrameError, FrameReader, MAX_SEGMENT_BYTES, MAX_SEGMENT_OFFSETS, ReadSink,
    SCAN_CHUNK_BYTES, Segment,
};
use super::{
    AppendOutcome, BatchesAppended, FsyncPolicy, LogConfig, PartitionLog, Record, RecordLimits,
    Result, RetentionOutcome, StorageError, StoredRecord,
};

/// One partition's durable log.
pub struct FilePartitionLog {
    shared: Arc<LogShared>,
    flusher: Mutex<Option<IntervalFlusher>>,
}

/// State shared with the interval flusher thread.
struct LogShared {
    dir: PathBuf,
    config: LogConfig,
    limits: RecordLimits,
    fsync: FsyncPolicy,
    appender: Mutex<AppenderState>,
    segments: RwLock<Vec<Arc<Segment>>>,
    end_offset: AtomicU64,
    commit: GroupCommit,
    /// The recovery point last written.
    recovery_point: Arc<Mutex<u64>>,
    /// Rolled segments being synced in the background (fsync=never only).
    closing: Mutex<Vec<JoinHandle<()>>>,
    /// Set once a cut after a failed fsync has failed and been logged, so a disk that stays
    /// sick logs one error, not one per refused append.
    cut_failure_logged: std::sync::atomic::AtomicBool,
    /// The first damaged batch known in the log (found at open or by a read), kept until a
    /// truncation or retention removes it: reads from its offset on fail.
    damage: Mutex<Option<Damage>>,
}

#[derive(Default)]
struct AppenderState {
    closed: bool,
    /// The idempotent producers of this partition, checked and updated under this lock.
    producers: ProducerStates,
}

/// Whether an append checks its batches' producer stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Admit {
    /// A producer's batches: retries are placed where they are, gaps and fenced epochs refused.
    Check,
    /// A leader's batches (or records the log encoded itself): written as they are.
    AsTheyAre,
}

/// The background thread of [`FsyncPolicy::Interval`].
struct IntervalFlusher {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: JoinHandle<()>,
}

impl IntervalFlusher {
    fn start(shared: Weak<LogShared>, interval: Duration) -> IntervalFlusher {
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (stopped, wake) = &*signal;
            let mut guard = stopped.lock().unwrap_or_else(|e| e.into_inner());
            // A failed fsync is reported once, not once per interval while the log refuses writes.
            let mut failing = false;
            loop {
                let (next, _) = wake
                    .wait_timeout(guard, interval)
                    .unwrap_or_else(|e| e.into_inner());
                guard = next;
                if *guard {
                    return;
                }
                let Some(shared) = shared.upgrade() else {
                    return;
                };
                match shared.commit.sync_all_written() {
                    Err(e) if !failing => {
                        failing = true;
                        tracing::error!(dir = %shared.dir.display(), error = %e, "interval fsync failed; the log refuses writes until it is reopened");
                    }
                    Err(_) => {}
                    Ok(()) => failing = false,
                }
            }
        });
        IntervalFlusher { stop, thread }
    }

    fn stop(self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        wake.notify_all();
        let _ = self.thread.join();
    }
}

/// Encode buffers larger than this are not kept between appends: the broker appends from
/// tokio's blocking pool, which may hold many threads, each with its own buffer.
const ENCODE_BUFFER_KEEP_BYTES: usize = 2 * 1024 * 1024;

thread_local! {
    /// Each appending thread reuses one encode buffer: a fresh megabyte per batch made malloc
    /// map and fault in new pages on every append.
    static ENCODE_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl FilePartitionLog {
    /// Opens (creating or recovering as needed) the log in `dir`.
    pub fn open(
        dir: &Path,
        config: LogConfig,
        limits: RecordLimits,
        fsync: FsyncPolicy,
    ) -> Result<FilePartitionLog> {
        Self::open_checking(dir, config, limits, fsync, Verify::Unflushed)
    }

    /// Opens the log in `dir` like [`FilePartitionLog::open`], checking as much of it as
    /// `verify` says first.
    pub fn open_checking(
        dir: &Path,
        config: LogConfig,
        limits: RecordLimits,
        fsync: FsyncPolicy,
        verify: Verify,
    ) -> Result<FilePartitionLog> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError::io(format!("creating {}", dir.display()), e))?;
        let recovered = recovery::recover(dir, now_ms(), verify)?;
        // Recovery leaves at least one segment; what it kept counts as durable from here on.
        let durable_end = recovered.segments.last().map_or(
            LogEnd {
                segment_base: 0,
                bytes: 0,
                next_offset: 0,
            },
            |s| LogEnd::of(s),
        );
        let producers = producers_in(&recovered.segments, now_ms());
        let shared = Arc::new(LogShared {
            dir: dir.to_path_buf(),
            config,
            limits,
            fsync,
            appender: Mutex::new(AppenderState {
                closed: false,
                producers,
            }),
            segments: RwLock::new(recovered.segments),
            end_offset: AtomicU64::new(recovered.next_offset),
            commit: GroupCommit::new(durable_end),
            recovery_point: Arc::new(Mutex::new(0)),
            closing: Mutex::new(Vec::new()),
            cut_failure_logged: std::sync::atomic::AtomicBool::new(false),
            damage: Mutex::new(recovered.damage),
        });
        let flusher = match fsync {
            FsyncPolicy::Interval { interval_ms } => Some(IntervalFlusher::start(
                Arc::downgrade(&shared),
                Duration::from_millis(interval_ms),
            )),
            FsyncPolicy::Always | FsyncPolicy::Never => None,
        };
        Ok(FilePartitionLog {
            shared,
            flusher: Mutex::new(flusher),
        })
    }

    /// The partition dir.
    pub fn dir(&self) -> &Path {
        &self.shared.dir
    }

    /// Number of segments, oldest to active.
    pub fn segment_count(&self) -> usize {
        self.shared.segments_read().len()
    }

    /// True once `close()` has run.
    pub fn is_closed(&self) -> bool {
        self.shared.appender().closed
    }

    /// Encodes `records` into `encoded` and appends them (limits already checked).
    fn append_encoded(&self, encoded: &mut Vec<u8>, records: &[Record]) -> Result<AppendOutcome> {
        // Encoding happens before the lock; the base offset is stamped under it (it is outside
        // the CRC for exactly this).
        batch::encode_into(encoded, 0, ProducerStamp::NONE, records);
        if encoded.len() > MAX_BATCH_LENGTH_BYTES {
            return Err(StorageError::BatchTooLarge {
                size_bytes: encoded.len(),
                limit_bytes: MAX_BATCH_LENGTH_BYTES,
            });
        }
        let header = BatchHeader::parse(encoded).map_err(|e| {
            debug_assert!(false, "the encoder produced an invalid batch: {e}");
            StorageError::io("encoding a batch", std::io::Error::other(e.to_string()))
        })?;
        let appended = self.append_whole(&[(header, encoded.as_slice())], Admit::AsTheyAre)?;
        written_range(appended)
    }

    /// Appends whole checked batches in order under the appender lock, stamping their base
    /// offsets (and with [`Admit::Check`], placing retries where they already are), then waits
    /// for durability as the fsync policy says.
    fn append_whole(
        &self,
        batches: &[(BatchHeader, &[u8])],
        admit: Admit,
    ) -> Result<BatchesAppended> {
        let shared = &*self.shared;
        let total_bytes: usize = batches.iter().map(|(_, b)| b.len()).sum();
        if batches.is_empty() {
            return Err(StorageError::BadRecordCount { count: 0 });
        }
        // Bounds what one write may add to a segment, whose positions are u32.
        if total_bytes > MAX_BATCH_LENGTH_BYTES {
            return Err(StorageError::BatchTooLarge {
                size_bytes: total_bytes,
                limit_bytes: MAX_BATCH_LENGTH_BYTES,
            });
        }
        let ticket;
        let placed;
        let written;
        {
            let mut appender = shared.appender();
            if appender.closed {
                return Err(StorageError::Closed);
            }
            shared.recover_from_failed_fsync(&mut appender)?;
            let base_offset = shared.end_offset.load(Ordering::Acquire);
            let now = now_ms();
            let mut next_offset = base_offset;
            let mut stamped: Vec<(BatchHeader, &[u8])> = Vec::with_capacity(batches.len());
            let mut at = Vec::with_capacity(batches.len());
            for (header, bytes) in batches {
                if admit == Admit::Check {
                    match appender
                        .producers
                        .admit(header.producer, header.record_count, now)
                    {
                        Ok(Admission::Write) => {}
                        Ok(Admission::Duplicate(earlier)) => {
                            at.push(earlier);
                            continue;
                        }
                        Err(e) => {
                            // Nothing of a refused append is written, nor remembered.
                            appender.producers.truncate(base_offset);
                            return Err(e);
                        }
                    }
                }
                let header = BatchHeader {
                    base_offset: next_offset,
                    ..*header
                };
                appender
                    .producers
                    .record(header.producer, header.record_count, next_offset, now);
                at.push(AppendOutcome {
                    base_offset: next_offset,
                    last_offset: header.last_offset(),
                });
                next_offset = header.next_offset();
                stamped.push((header, *bytes));
            }
            placed = at;
            if stamped.is_empty() {
                return Ok(BatchesAppended {
                    placed,
                    written: None,
                });
            }
            let write = || -> Result<Arc<Segment>> {
                let stamped_bytes: usize = stamped.iter().map(|(_, b)| b.len()).sum();
                shared.roll_if_needed(stamped_bytes, next_offset - base_offset, now)?;
                let active = shared.active();
                active.append(&stamped)?;
                Ok(active)
            };
            let active = match write() {
                Ok(active) => active,
                Err(e) => {
                    appender.producers.truncate(base_offset);
                    return Err(e);
                }
            };
            shared.end_offset.store(next_offset, Ordering::Release);
            ticket = shared
                .commit
                .record_write(&active, shared.fsync == FsyncPolicy::Always);
            written = AppendOutcome {
                base_offset,
                last_offset: next_offset - 1,
            };
        }
        if shared.fsync == FsyncPolicy::Always
            && let Err(e) = shared.commit.wait_durable(ticket)
        {
            // Cut the failed bytes now rather than at the next append, so the log ends at its
            // last durable write as soon as the disk allows.
            let mut appender = shared.appender();
            if let Err(repair) = shared.recover_from_failed_fsync(&mut appender) {
                tracing::debug!(error = %repair, "the cut after a failed fsync waits for the next append");
            }
            return Err(e);
        }
        Ok(BatchesAppended {
            placed,
            written: Some(written),
        })
    }

    /// Reads whole batches from `from_offset` into a sink: decoded records or stored bytes.
    fn read_into<S: ReadSink>(&self, from_offset: u64, max_bytes: usize) -> Result<S> {
        let shared = &*self.shared;
        let end_offset = shared.end_offset.load(Ordering::Acquire);
        let start_offset = shared.start_offset();
        let out_of_range = || StorageError::OffsetOutOfRange {
            offset: from_offset,
            start_offset,
            end_offset,
        };
        if from_offset < start_offset || from_offset > end_offset {
            return Err(out_of_range());
        }
        let mut out = S::default();
        if from_offset == end_offset {
            return Ok(out);
        }
        let mut used_bytes = 0usize;
        // Retention may have removed the segment since the range check.
        let mut segment = shared.segment_for(from_offset).ok_or_else(out_of_range)?;
        loop {
            let from = from_offset.max(segment.base_offset());
            // Continue where this segment's read ended, not at its current end: the appender
            // may have added (and rolled past) batches meanwhile, and skipping them would leave
            // a gap in the result.
            let next = match segment.read(from, max_bytes, &mut used_bytes, &mut out) {
                Ok(Some(next)) => next,
                Ok(None) => break,
                Err(e @ StorageError::Corrupt { .. }) => {
                    shared.find_damage(&segment);
                    return Err(e);
                }
                Err(e) => return Err(e),
            };
            match shared.segment_for(next) {
                Some(s) if s.base_offset() == next && next > segment.base_offset() => segment = s,
                // A closed segment never changes, so a read that found nothing in it before its
                // end offset found its file short: say so, rather than return nothing forever.
                _ if out.is_empty()
                    && next < segment.next_offset()
                    && !Arc::ptr_eq(&segment, &shared.active()) =>
                {
                    let damage = shared.find_damage(&segment);
                    return Err(damage.map_or_else(
                        || StorageError::Corrupt {
                            path: segment.log_path().display().to_string(),
                            position: segment.size_bytes(),
                            reason: format!("no batch holds offset {next}"),
                        },
                        |d| d.to_error(),
                    ));
                }
                _ => break,
            }
        }
        Ok(out)
    }

    fn stop_flusher(&self) {
        let flusher = self
            .flusher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(flusher) = flusher {
            flusher.stop();
        }
    }
}

impl Drop for FilePartitionLog {
    fn drop(&mut self) {
        self.stop_flusher();
        // A background close must not race with whoever opens the dir next.
        self.shared.finish_closing();
    }
}

impl LogShared {
    fn damage(&self) -> MutexGuard<'_, Option<Damage>> {
        self.damage.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// After a read of `segment` failed on bad data: finds the segment's first damaged batch,
    /// remembers it if it is the log's first, and reports it once.
    fn find_damage(&self, segment: &Segment) -> Option<Damage> {
        // A reader retrying at known damage must not make every retry read the whole segment.
        if let Some(known) = self.damage().as_ref()
            && known.path == segment.log_path()
        {
            return Some(known.clone());
        }
        let found = match segment.first_damage() {
            Ok(found) => found?,
            Err(e) => {
                tracing::warn!(file = %segment.log_path().display(), error = %e, "cannot check a segment a read found damaged");
                return None;
            }
        };
        let mut damage = self.damage();
        if damage
            .as_ref()
            .is_none_or(|known| found.offset < known.offset)
        {
            tracing::error!(
                file = %found.path.display(),
                position = found.position,
                offset = found.offset,
                reason = %found.reason,
                "corrupt batch found by a read: reads from this offset fail until it is repaired"
            );
            *damage = Some(found.clone());
        }
        Some(found)
    }

    fn appender(&self) -> MutexGuard<'_, AppenderState> {
        self.appender.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn segments_read(&self) -> std::sync::RwLockReadGuard<'_, Vec<Arc<Segment>>> {
        self.segments.read().unwrap_or_else(|e| e.into_inner())
    }

    fn segments_write(&self) -> std::sync::RwLockWriteGuard<'_, Vec<Arc<Segment>>> {
        self.segments.write().unwrap_or_else(|e| e.into_inner())
    }

    fn active(&self) -> Arc<Segment> {
        let segments = self.segments_read();
        // Recovery always leaves at least one segment and retention never removes the last.
        debug_assert!(!segments.is_empty());
        Arc::clone(&segments[segments.len() - 1])
    }

    /// The segment whose base offset is the largest at or below `offset`.
    fn segment_for(&self, offset: u64) -> Option<Arc<Segment>> {
        let segments = self.segments_read();
        let n = segments.partition_point(|s| s.base_offset() <= offset);
        n.checked_sub(1).map(|i| Arc::clone(&segments[i]))
    }

    fn start_offset(&self) -> u64 {
        self.segments_read()
            .first()
            .map_or(self.end_offset.load(Ordering::Acquire), |s| s.base_offset())
    }

    /// After a failed fsync, cuts the log back to the end of its last durable write so appends
    /// can go on, instead of refusing them until a restart. Called with the appender lock held.
    ///
    /// Only with fsync=always: every append after that end is still waiting for its fsync, so
    /// each has failed (or will, before the cut) and none was acknowledged or shown to a reader
    /// (the broker publishes a partition's end only after an append returns). With interval and
    /// never, appends were acknowledged before their fsync and cannot be taken back: the log
    /// keeps refusing writes until it is reopened (recovery then keeps what reached the disk).
    fn recover_from_failed_fsync(&self, appender: &mut AppenderState) -> Result<()> {
        let Some(failure) = self.commit.failure() else {
            return Ok(());
        };
        if self.fsync != FsyncPolicy::Always {
            return Err(failure);
        }
        let durable = self.commit.durable_end();
        let active = self.active();
        // A roll syncs the old segment before creating the new one, so the durable end lies in
        // the active segment or exactly at its start.
        let keep_bytes = if durable.segment_base == active.base_offset() {
            durable.bytes
        } else if durable.next_offset == active.base_offset() {
            0
        } else {
            debug_assert!(
                false,
                "durable end {durable:?} is behind the segment before the active one"
            );
            return Err(failure);
        };
        let file_bytes = active.file().metadata().map_or(0, |m| m.len());
        let lost_bytes = file_bytes.saturating_sub(keep_bytes);
        let lost_offsets = self
            .end_offset
            .load(Ordering::Acquire)
            .saturating_sub(durable.next_offset);
        if let Err(e) = active.cut_back(keep_bytes) {
            if !self.cut_failure_logged.swap(true, Ordering::AcqRel) {
                tracing::error!(file = %active.log_path().display(), error = %e, "cannot cut the log back after a failed fsync yet; appends fail until it can");
            }
            return Err(e);
        }
        self.cut_failure_logged.store(false, Ordering::Release);
        self.end_offset
            .store(durable.next_offset, Ordering::Release);
        // The producers' batches cut away may be sent again and written anew.
        appender.producers.truncate(durable.next_offset);
        self.commit.clear_failure(LogEnd::of(&active));
        tracing::warn!(
            file = %active.log_path().display(),
            kept_bytes = keep_bytes,
            lost_bytes,
            lost_offsets,
            next_offset = durable.next_offset,
            "cut the log back to its last durable write after a failed fsync; appends resume"
        );
        Ok(())
    }

    /// Closes the active segment and starts a new one if the next batch should not go into it.
    /// Called with the appender lock held.
    fn roll_if_needed(&self, batch_bytes: usize, record_count: u64, now_ms: i64) -> Result<()> {
        let active = self.active();
        if active.is_empty() {
            return Ok(());
        }
        let end = self.end_offset.load(Ordering::Acquire);
        let size_limit = self.config.segment_bytes.min(MAX_SEGMENT_BYTES);
        let full = active.size_bytes() + batch_bytes as u64 > size_limit;
        let old = now_ms.saturating_sub(active.created_ms()) >= self.config.segment_ms as i64;
        let offsets_full = end + record_count - active.base_offset() > MAX_SEGMENT_OFFSETS;
        if !(full || old || offsets_full) {
            return Ok(());
        }
        if self.fsync == FsyncPolicy::Never {
            let next = Arc::new(Segment::create(&self.dir, end, now_ms)?);
            self.segments_write().push(next);
            // Nothing waits for durability here, so closing the old segment (an fsync of up to
            // segment_bytes) leaves the append path; close() and flush() wait for it.
            let dir = self.dir.clone();
            let recovery_point = Arc::clone(&self.recovery_point);
            let handle = std::thread::spawn(move || {
                if let Err(e) = close_segment(&dir, &active, &recovery_point, end) {
                    tracing::error!(file = %active.log_path().display(), error = %e, "closing a rolled segment failed");
                }
            });
            self.closing().push(handle);
        } else {
            // Appends acknowledged (or about to be) may still sit in the old segment and the
            // group commit only syncs the newest one, so the old one is made durable before
            // anything goes to the next, through the group commit: a failed fsync there fails
            // exactly the appends it covered. A failure after that (indexes, recovery point,
            // the new file) loses nothing: the roll is tried again by the next append.
            self.commit.sync_all_written()?;
            close_segment(&self.dir, &active, &self.recovery_point, end)?;
            let next = Arc::new(Segment::create(&self.dir, end, now_ms)?);
            self.segments_write().push(next);
        }
        Ok(())
    }

    fn closing(&self) -> MutexGuard<'_, Vec<JoinHandle<()>>> {
        self.closing.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits for segments still being closed in the background.
    fn finish_closing(&self) {
        let handles: Vec<JoinHandle<()>> = std::mem::take(&mut *self.closing());
        for handle in handles {
            let _ = handle.join();
        }
    }
}

/// Makes a segment that no longer takes appends durable and indexed on disk, then advances the
/// recovery point to `next_offset` (the offset after it), which promises exactly that.
fn close_segment(
    dir: &Path,
    segment: &Segment,
    recovery_point: &Mutex<u64>,
    next_offset: u64,
) -> Result<()> {
    segment.cut_torn_tail()?;
    segment.sync()?;
    segment.store_indexes()?;
    let mut written = recovery_point.lock().unwrap_or_else(|e| e.into_inner());
    // Background closes may finish out of order; the recovery point only moves forward.
    if next_offset > *written {
        write_recovery_point(dir, next_offset)?;
        *written = next_offset;
    }
    Ok(())
}

fn corrupt_at(segment: &Segment, error: FrameError) -> StorageError {
    match error {
        FrameError::Io(e) => {
            StorageError::io(format!("reading {}", segment.log_path().display()), e)
        }
        FrameError::Invalid { position, error } => StorageError::Corrupt {
            path: segment.log_path().display().to_string(),
            position,
            reason: error.to_string(),
        },
    }
}

/// The producer states of a log just recovered, from the stamps in its batch headers: every
/// segment that may hold a batch of a producer not yet expired (its newest record is younger
/// than [`PRODUCER_IDLE_EXPIRY_MS`], or it is the last), read header by header. Producers found
/// count as having written now, so their expiry runs from the broker's start. Reading stops at
/// the first damaged batch, which recovery has already dealt with.
fn producers_in(segments: &[Arc<Segment>], now_ms: i64) -> ProducerStates {
    let mut producers = ProducerStates::default();
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        let recent = segment
            .max_timestamp_ms()
            .is_some_and(|max| now_ms.saturating_sub(max) < PRODUCER_IDLE_EXPIRY_MS);
        if !(recent || i == last) {
            continue;
        }
        let mut reader =
            FrameReader::new(segment.file(), 0, segment.size_bytes(), BATCH_HEADER_BYTES);
        while let Ok(Some(header)) = reader.peek_header() {
            producers.record(
                header.producer,
                header.record_count,
                header.base_offset,
                now_ms,
            );
            reader.skip(header);
        }
    }
    producers
}

/// Batches as [`FilePartitionLog::append_whole`] takes them.
fn parts_of(batches: &[CheckedBatch]) -> Vec<(BatchHeader, &[u8])> {
    batches
        .iter()
        .map(|b| (*b.header(), b.bytes().as_ref()))
        .collect()
}

/// What an append that checks nothing wrote (all of it).
fn written_range(appended: BatchesAppended) -> Result<AppendOutcome> {
    appended
        .written
        .ok_or(StorageError::BadRecordCount { count: 0 })
}

impl PartitionLog for FilePartitionLog {
    fn append(&self, records: &[Record]) -> Result<AppendOutcome> {
        self.shared.limits.check(records)?;
        ENCODE_BUFFER.with_borrow_mut(|encoded| {
            let outcome = self.append_encoded(encoded, records);
            if encoded.capacity() > ENCODE_BUFFER_KEEP_BYTES {
                *encoded = Vec::new();
            }
            outcome
        })
    }

    fn append_batches(&self, batches: &[CheckedBatch]) -> Result<BatchesAppended> {
        self.append_whole(&parts_of(batches), Admit::Check)
    }

    fn append_replicated(&self, batches: &[CheckedBatch]) -> Result<AppendOutcome> {
        written_range(self.append_whole(&parts_of(batches), Admit::AsTheyAre)?)
    }

    fn read(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<StoredRecord>> {
        self.read_into(from_offset, max_bytes)
    }

    fn read_batches(&self, from_offset: u64, max_bytes: usize) -> Result<Vec<StoredBatch>> {
        self.read_into(from_offset, max_bytes)
    }

    fn offset_for_timestamp(&self, timestamp_ms: i64) -> Result<Option<u64>> {
        let segments: Vec<Arc<Segment>> = self.shared.segments_read().clone();
        // Offsets grow with segments, so the first segment reaching the target holds the answer.
        for segment in segments
            .iter()
            .filter(|s| s.max_timestamp_ms().is_some_and(|max| max >= timestamp_ms))
        {
            if let Some(offset) = segment.offset_for_timestamp(timestamp_ms)? {
                return Ok(Some(offset));
            }
        }
        Ok(None)
    }

    fn start_offset(&self) -> u64 {
        self.shared.start_offset()
    }

    fn end_offset(&self) -> u64 {
        self.shared.end_offset.load(Ordering::Acquire)
    }

    fn damaged_from(&self) -> Option<u64> {
        self.shared.damage().as_ref().map(|d| d.offset)
    }

    fn size_bytes(&self) -> u64 {
        self.shared
            .segments_read()
            .iter()
            .map(|s| s.size_bytes())
            .sum()
    }

    fn enforce_retention(&self, config: &LogConfig, now_ms: i64) -> Result<RetentionOutcome> {
        let shared = &*self.shared;
        // Serialises with rolls, so the newest segment cannot change under this pass.
        let _appender = shared.appender();
        let mut outcome = RetentionOutcome::default();
        loop {
            let (oldest, total_bytes) = {
                let segments = shared.segments_read();
                if segments.len() < 2 {
                    break;
                }
                let total: u64 = segments.iter().map(|s| s.size_bytes()).sum();
                (Arc::clone(&segments[0]), total)
            };
            let too_old = config.retention_ms.is_some_and(|ms| {
                oldest
                    .max_timestamp_ms()
                    .is_none_or(|max| now_ms.saturating_sub(max) > ms as i64)
            });
            // Like Kafka: drop the oldest only while what remains still meets the size limit.
            let too_big = config
                .retention_bytes
                .is_some_and(|limit| total_bytes - oldest.size_bytes() >= limit);
            if !(too_old || too_big) {
                break;
            }
            shared.segments_write().remove(0);
            oldest.delete_files()?;
            tracing::info!(
                file = %oldest.log_path().display(),
                bytes = oldest.size_bytes(),
                too_old,
                too_big,
                "retention deleted a segment"
            );
            outcome.segments_deleted += 1;
            outcome.bytes_deleted += oldest.size_bytes();
        }
        if outcome.segments_deleted > 0 {
            sync_dir(&shared.dir)?;
        }
        outcome.start_offset = shared.start_offset();
        let mut damage = shared.damage();
        if damage
            .as_ref()
            .is_some_and(|d| d.offset < outcome.start_offset)
        {
            *damage = None;
        }
        Ok(outcome)
    }

    fn truncate(&self, offset: u64) -> Result<()> {
        // Nothing written may still be waiting for its fsync when the file is cut.
        self.flush()?;
        let shared = &*self.shared;
        let kept = {
            let mut appender = shared.appender();
            if appender.closed {
                return Err(StorageError::Closed);
            }
            let end = shared.end_offset.load(Ordering::Acquire);
            if offset >= end {
                return Ok(());
            }
            let start = shared.start_offset();
            if offset < start {
                return Err(StorageError::OffsetOutOfRange {
                    offset,
                    start_offset: start,
                    end_offset: end,
                });
            }
            // Whole segments past the cut go; the segment holding it stays, even if emptied.
            loop {
                let segments = shared.segments_read();
                let last = Arc::clone(&segments[segments.len() - 1]);
                let more = segments.len() > 1;
                drop(segments);
                if more && last.base_offset() >= offset {
                    shared.segments_write().pop();
                    last.delete_files()?;
                } else {
                    break;
                }
            }
            let active = shared.active();
            let mut reader =
                FrameReader::new(active.file(), 0, active.size_bytes(), SCAN_CHUNK_BYTES);
            let mut cut_position = active.size_bytes();
            let mut cut_offset = offset;
            let mut kept = Vec::new();
            let mut next_base = active.base_offset();
            loop {
                let header = match reader.peek_header() {
                    Ok(Some(header)) => header,
                    Ok(None) => break,
                    // Damage right at the cut (a replica dropping its damaged records to copy
                    // them back) goes with the cut; damage before it stops the truncation.
                    Err(_) if next_base == offset => {
                        cut_position = reader.position();
                        break;
                    }
                    Err(e) => return Err(corrupt_at(&active, e)),
                };
                next_base = header.next_offset();
                if header.next_offset() <= offset {
                    reader.skip(header);
                    continue;
                }
                cut_position = reader.position();
                cut_offset = header.base_offset;
                if header.base_offset < offset {
                    let frame = reader.take(header).map_err(|e| corrupt_at(&active, e))?;
                    let decoded =
                        batch::decode_at(frame.bytes, header.base_offset).map_err(|e| {
                            StorageError::Corrupt {
                                path: active.log_path().display().to_string(),
                                position: frame.position,
                                reason: e.to_string(),
                            }
                        })?;
                    kept = decoded
                        .records
                        .into_iter()
                        .filter(|r| r.offset < offset)
                        .map(|r| r.record)
                        .collect();
                }
                break;
            }
            active.truncate(cut_position)?;
            active.reset_indexes();
            active.scan_from(0, active.base_offset())?;
            // The index files on disk may point into what was cut, now overwritten by appends:
            // they are replaced, not left to lag.
            active.store_indexes()?;
            shared.end_offset.store(cut_offset, Ordering::Release);
            appender.producers.truncate(cut_offset);
            let mut recovery_point = shared
                .recovery_point
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if *recovery_point > cut_offset {
                write_recovery_point(&shared.dir, cut_offset)?;
                *recovery_point = cut_offset;
            }
            sync_dir(&shared.dir)?;
            let mut damage = shared.damage();
            if damage.as_ref().is_some_and(|d| d.offset >= cut_offset) {
                *damage = None;
            }
            drop(damage);
            tracing::info!(dir = %shared.dir.display(), offset, "truncated the log");
            kept
        };
        // The records of a cut batch that come before the cut go back, at the same offsets.
        if !kept.is_empty() {
            self.append(&kept)?;
        }
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        self.shared.finish_closing();
        self.shared.commit.sync_all_written()
    }

    fn close(&self) -> Result<()> {
        self.stop_flusher();
        let shared = &*self.shared;
        let mut appender = shared.appender();
        if appender.closed {
            return Ok(());
        }
        appender.closed = true;
        shared.finish_closing();
        // A failed fsync not yet repaired: cut back first, or leave no clean-shutdown marker, so
        // the next open scans the log instead of trusting it.
        shared.recover_from_failed_fsync(&mut appender)?;
        let end = shared.end_offset.load(Ordering::Acquire);
        close_segment(&shared.dir, &shared.active(), &shared.recovery_point, end)?;
        write_clean_shutdown(&shared.dir)
    }

    fn discard(&self) {
        self.stop_flusher();
        self.shared.appender().closed = true;
    }
}
