//! Group commit: many appends share one fsync, and nobody holds the append lock while syncing.
//!
//! Appenders write under the log's append lock and take a ticket (a sequence number), release
//! the lock, then wait here. The first waiter to find no sync running becomes the syncer: it
//! notes how many writes have happened so far, fsyncs outside every lock, and marks all of them
//! durable, waking the rest. Appends that arrive during a sync ride on the next one. Readers never
//! touch this type, so they never wait behind an fsync.
//!
//! An fsync failure poisons the log: after one, the kernel may have dropped dirty pages, so no
//! later success can prove earlier writes durable (the lesson of PostgreSQL's "fsyncgate").

use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::segment::Segment;
use super::{Result, StorageError};

#[derive(Default)]
struct CommitState {
    /// Writes done so far (tickets handed out).
    written: u64,
    /// Writes known durable.
    synced: u64,
    /// True while a syncer runs.
    syncing: bool,
    /// The segment the latest writes went to. Segments rolled away were synced when closed.
    target: Option<Arc<Segment>>,
    /// Set forever by a failed fsync.
    failure: Option<String>,
}

/// Shared fsyncs for one partition log.
#[derive(Default)]
pub struct GroupCommit {
    state: Mutex<CommitState>,
    synced: Condvar,
}

impl GroupCommit {
    fn lock(&self) -> MutexGuard<'_, CommitState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a write to `segment` (call under the append lock) and returns its ticket.
    pub fn record_write(&self, segment: &Arc<Segment>) -> u64 {
        let mut state = self.lock();
        state.written += 1;
        state.target = Some(Arc::clone(segment));
        state.written
    }

    /// Fails if an earlier fsync failed: such a log takes no more writes.
    pub fn check_healthy(&self) -> Result<()> {
        match &self.lock().failure {
            Some(failure) => Err(poisoned(failure)),
            None => Ok(()),
        }
    }

    /// Marks the log failed after an fsync outside the group commit failed.
    pub fn poison(&self, error: &StorageError) {
        let mut state = self.lock();
        state.failure.get_or_insert_with(|| error.to_string());
        self.synced.notify_all();
    }

    /// Returns once the write with `ticket` is durable, syncing if no one else is.
    pub fn wait_durable(&self, ticket: u64) -> Result<()> {
        let mut state = self.lock();
        loop {
            if let Some(failure) = &state.failure {
                return Err(poisoned(failure));
            }
            if state.synced >= ticket {
                return Ok(());
            }
            if state.syncing {
                state = self.synced.wait(state).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            state.syncing = true;
            let covered = state.written;
            let target = state.target.clone();
            drop(state);
            let outcome = target.map_or(Ok(()), |segment| segment.sync());
            state = self.lock();
            state.syncing = false;
            match &outcome {
                Ok(()) => state.synced = state.synced.max(covered),
                Err(e) => state.failure = Some(e.to_string()),
            }
            self.synced.notify_all();
            outcome?;
        }
    }

    /// Makes every write so far durable.
    pub fn sync_all_written(&self) -> Result<()> {
        let ticket = self.lock().written;
        self.wait_durable(ticket)
    }
}

fn poisoned(failure: &str) -> StorageError {
    StorageError::io(
        "the log refuses writes after a failed fsync",
        std::io::Error::other(failure.to_string()),
    )
}
