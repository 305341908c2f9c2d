//! Group commit: many appends share one fsync, and nobody holds the append lock while syncing.
//!
//! Appenders write under the log's append lock and take a ticket (a sequence number), release
//! the lock, then wait here. The first waiter to find no sync running becomes the syncer: it
//! notes how many writes have happened so far, fsyncs outside every lock, and marks all of them
//! durable, waking the rest. Appends that arrive during a sync ride on the next one. Readers never
//! touch this type, so they never wait behind an fsync.
//!
//! A failed fsync fails every write it did not prove durable: after one, the kernel may have
//! dropped the dirty pages, so no later success can prove those writes durable (the lesson of
//! PostgreSQL's "fsyncgate"). The failure stays until the log cuts its file back to the last
//! durable end ([`GroupCommit::durable_end`]) and calls [`GroupCommit::clear_failure`]; until
//! then every waiter fails at once. The log decides whether such a cut is allowed (it is not
//! when appends were acknowledged before their fsync).

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::segment::Segment;
use super::{Result, StorageError};

/// Where the log ends: in the segment with base offset `segment_base`, after `bytes` bytes,
/// with `next_offset` the offset of the next record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogEnd {
    pub segment_base: u64,
    pub bytes: u64,
    pub next_offset: u64,
}

impl LogEnd {
    /// Where `segment` ends now.
    pub fn of(segment: &Segment) -> LogEnd {
        LogEnd {
            segment_base: segment.base_offset(),
            bytes: segment.size_bytes(),
            next_offset: segment.next_offset(),
        }
    }
}

/// A failed fsync, kept so that every waiter it failed gets an error of the same kind.
#[derive(Debug, Clone)]
struct SyncFailure {
    kind: std::io::ErrorKind,
    message: String,
}

struct CommitState {
    /// Writes done so far (tickets handed out).
    written: u64,
    /// Writes known durable.
    synced: u64,
    /// True while a syncer runs.
    syncing: bool,
    /// Writes and syncs whose callers have not yet learned whether they are durable: counted
    /// from [`GroupCommit::record_write`] (not from the wait, which starts after the append lock
    /// is released), so a cut never removes a write whose caller could still be told it is
    /// durable.
    unsettled: usize,
    /// The segment the latest writes went to. Segments rolled away were synced when closed.
    target: Option<Arc<Segment>>,
    /// Where the log ended after the latest write.
    written_end: LogEnd,
    /// Where the log ended after the latest write known durable.
    durable_end: LogEnd,
    /// Set by a failed fsync, until the log is cut back and [`GroupCommit::clear_failure`] runs.
    failure: Option<SyncFailure>,
}

/// Shared fsyncs for one partition log.
pub struct GroupCommit {
    state: Mutex<CommitState>,
    synced: Condvar,
}

impl GroupCommit {
    /// A group commit for a log whose bytes up to `durable_end` are on disk.
    pub fn new(durable_end: LogEnd) -> GroupCommit {
        GroupCommit {
            state: Mutex::new(CommitState {
                written: 0,
                synced: 0,
                syncing: false,
                unsettled: 0,
                target: None,
                written_end: durable_end,
                durable_end,
                failure: None,
            }),
            synced: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, CommitState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a write to `segment` (call under the append lock, after the write) and returns
    /// its ticket. With `will_wait`, the caller must then call [`GroupCommit::wait_durable`].
    pub fn record_write(&self, segment: &Arc<Segment>, will_wait: bool) -> u64 {
        let mut state = self.lock();
        state.written += 1;
        if will_wait {
            state.unsettled += 1;
        }
        state.target = Some(Arc::clone(segment));
        state.written_end = LogEnd::of(segment);
        state.written
    }

    /// The error of a failed fsync not yet repaired, if any.
    pub fn failure(&self) -> Option<StorageError> {
        self.lock().failure.as_ref().map(failed_write)
    }

    /// Returns once the write with `ticket` (recorded with `will_wait`) is durable, syncing if no
    /// one else is. Fails if an fsync failed before the write was proven durable.
    pub fn wait_durable(&self, ticket: u64) -> Result<()> {
        let state = self.lock();
        self.settle(state, ticket)
    }

    /// Makes every write so far durable.
    pub fn sync_all_written(&self) -> Result<()> {
        let mut state = self.lock();
        state.unsettled += 1;
        let ticket = state.written;
        self.settle(state, ticket)
    }

    /// Waits for `ticket` to be durable (syncing if no one else is), then counts one unsettled
    /// caller less.
    fn settle<'a>(&'a self, mut state: MutexGuard<'a, CommitState>, ticket: u64) -> Result<()> {
        let outcome = loop {
            if state.synced >= ticket {
                break Ok(());
            }
            if let Some(failure) = &state.failure {
                break Err(failed_write(failure));
            }
            if state.syncing {
                state = self.synced.wait(state).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            state.syncing = true;
            let covered = state.written;
            let covered_end = state.written_end;
            let target = state.target.clone();
            drop(state);
            let outcome = target.map_or(Ok(()), |segment| segment.sync());
            state = self.lock();
            state.syncing = false;
            match &outcome {
                Ok(()) => {
                    if covered > state.synced {
                        state.synced = covered;
                        state.durable_end = covered_end;
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "fsync failed; failing every append it covered");
                    state.failure = Some(SyncFailure {
                        kind: io_kind(e),
                        message: e.to_string(),
                    });
                }
            }
            self.synced.notify_all();
            if let Err(e) = outcome {
                break Err(e);
            }
        };
        state.unsettled -= 1;
        self.synced.notify_all();
        outcome
    }

    /// After a failed fsync: waits until every write's caller has learned its fate (each fails
    /// at once; no new write starts because the caller holds the append lock) and returns the end
    /// of the last durable write, where the log must be cut back to.
    pub fn durable_end(&self) -> LogEnd {
        let mut state = self.lock();
        while state.unsettled > 0 {
            state = self.synced.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.durable_end
    }

    /// Takes writes again once the log was cut back to `end` (durable): every earlier write is
    /// settled, durable or failed.
    pub fn clear_failure(&self, end: LogEnd) {
        let mut state = self.lock();
        debug_assert_eq!(state.unsettled, 0);
        state.failure = None;
        state.synced = state.written;
        state.target = None;
        state.written_end = end;
        state.durable_end = end;
    }
}

/// The I/O error kind inside a storage error, so a full disk stays a full disk for every waiter.
fn io_kind(error: &StorageError) -> std::io::ErrorKind {
    match error {
        StorageError::NoSpace(_) => std::io::ErrorKind::StorageFull,
        StorageError::Io { source, .. } => source.kind(),
        _ => std::io::ErrorKind::Other,
    }
}

fn failed_write(failure: &SyncFailure) -> StorageError {
    StorageError::io(
        "the write was not made durable: an fsync failed",
        std::io::Error::new(failure.kind, failure.message.clone()),
    )
}
