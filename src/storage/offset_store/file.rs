//! Offsets in the groups dir: the log, the snapshot and compaction.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};

use super::codec::{decode_entry, frame_of, load_snapshot};
use super::*;
use crate::storage::durable::TEMP_SUFFIX;
use crate::storage::journal::{self, FramedFile, Journal};
use crate::storage::{Result, StorageError};

/// Options of the file store.
#[derive(Debug, Clone, Copy)]
pub struct FileOffsetStoreOptions {
    /// Compact the log into a snapshot once it is larger than this.
    pub compact_log_bytes: u64,
}

impl Default for FileOffsetStoreOptions {
    fn default() -> Self {
        FileOffsetStoreOptions {
            compact_log_bytes: DEFAULT_COMPACT_LOG_BYTES,
        }
    }
}

/// Offsets in a log plus snapshot in one directory.
pub struct FileOffsetStore {
    dir: PathBuf,
    options: FileOffsetStoreOptions,
    inner: Mutex<FileInner>,
    /// Signalled after every fsync, waking the writers it covered.
    synced: Condvar,
}

struct FileInner {
    /// The durable state: only entries whose fsync completed are applied, in log order.
    table: OffsetTable,
    /// The open log; `None` once closed.
    log: Option<Journal>,
    /// Entries written so far (each one's ticket is this count after its write).
    written: u64,
    /// Entries known durable.
    synced: u64,
    /// True while one writer fsyncs on behalf of everyone waiting.
    syncing: bool,
    /// Writers waiting for their entry to be durable; a repair waits until there are none.
    waiting: usize,
    /// Entries written but not yet durable, in log order, with their tickets.
    pending: VecDeque<(u64, Entry)>,
    /// Set when a failed fsync left the log in an unknown state: writing after it could put good
    /// entries behind garbage, so writes fail until [`FileOffsetStore::repair`] has replaced the
    /// log with the durable state. (A failed write the journal cuts back itself.)
    failed: Option<String>,
}

impl FileInner {
    /// Bytes in the log (0 once closed).
    fn log_bytes(&self) -> u64 {
        self.log.as_ref().map_or(0, Journal::len)
    }
}

impl FileOffsetStore {
    /// Opens (creating if needed) the store in `dir`: loads the snapshot, replays the log, cuts a
    /// torn last entry. Corruption anywhere else is an error: the store never starts half-read.
    pub fn open(dir: &Path, options: FileOffsetStoreOptions) -> Result<FileOffsetStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StorageError::io(format!("creating {}", dir.display()), e))?;
        for name in [LOG_FILE, SNAPSHOT_FILE] {
            let temp = dir.join(format!("{name}{TEMP_SUFFIX}"));
            match std::fs::remove_file(&temp) {
                Ok(()) => tracing::info!(path = %temp.display(), "removed unfinished temp file"),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(StorageError::io(format!("removing {}", temp.display()), e));
                }
            }
        }
        let mut table = OffsetTable::default();
        let snapshot_path = dir.join(SNAPSHOT_FILE);
        if let Some(bytes) = journal::read_if_exists(&snapshot_path)? {
            load_snapshot(
                &FramedFile::parse(&snapshot_path, bytes, SNAPSHOT_MAGIC)?,
                &mut table,
            )?;
        }
        let log = Journal::open(
            &dir.join(LOG_FILE),
            LOG_MAGIC,
            |payload| match decode_entry(payload)? {
                Entry::SnapshotEnd { .. } => Err("a snapshot end marker inside the log".into()),
                entry => {
                    table.apply(&entry);
                    Ok(())
                }
            },
        )?;
        let store = FileOffsetStore {
            dir: dir.to_path_buf(),
            options,
            inner: Mutex::new(FileInner {
                table,
                log: Some(log),
                written: 0,
                synced: 0,
                syncing: false,
                waiting: 0,
                pending: VecDeque::new(),
                failed: None,
            }),
            synced: Condvar::new(),
        };
        {
            let mut inner = lock(&store.inner);
            if inner.log_bytes() > options.compact_log_bytes {
                store.compact(&mut inner)?;
            }
        }
        Ok(store)
    }

    /// The directory the store lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bytes currently in the log (for tests and metrics).
    pub fn log_bytes(&self) -> u64 {
        lock(&self.inner).log_bytes()
    }

    /// Appends one entry and returns once it is durable. Group commit: concurrent writers write
    /// under the lock, then one of them fsyncs outside it for all, and applies every entry that
    /// fsync covered to the table, in log order. Compacts when the log has grown too large.
    fn append(&self, entry: Entry) -> Result<()> {
        let frame = frame_of(&entry)?;
        let mut inner = lock(&self.inner);
        if inner.failed.is_some() {
            self.repair(&mut inner)?;
        }
        if inner.log_bytes() > self.options.compact_log_bytes
            && inner.pending.is_empty()
            && !inner.syncing
            && let Err(e) = self.compact(&mut inner)
        {
            // Under steady load the syncer rarely finds nothing pending; writers compact too.
            tracing::warn!(error = %e, "compacting the offsets log failed; will retry");
        }
        // The lock is held, so nobody writes after a failed append before the journal cut it.
        inner
            .log
            .as_mut()
            .ok_or(StorageError::Closed)?
            .append(&frame)?;
        inner.written += 1;
        let ticket = inner.written;
        inner.pending.push_back((ticket, entry));
        inner.waiting += 1;
        self.wait_durable(inner, ticket)
    }

    /// Waits (syncing if no one else is) until the entry with `ticket` is durable.
    fn wait_durable<'a>(
        &'a self,
        mut inner: std::sync::MutexGuard<'a, FileInner>,
        ticket: u64,
    ) -> Result<()> {
        let outcome = loop {
            if inner.synced >= ticket {
                break Ok(());
            }
            if let Some(reason) = &inner.failed {
                break Err(self.refused(reason));
            }
            if inner.syncing {
                inner = self.synced.wait(inner).unwrap_or_else(|e| e.into_inner());
                continue;
            }
            let Some(log) = inner.log.as_ref().map(Journal::sync_handle) else {
                break Err(StorageError::Closed);
            };
            inner.syncing = true;
            let covered = inner.written;
            drop(inner);
            let outcome = log.sync();
            inner = lock(&self.inner);
            inner.syncing = false;
            match outcome {
                Ok(()) => {
                    self.mark_durable(&mut inner, covered);
                    if inner.log_bytes() > self.options.compact_log_bytes
                        && inner.pending.is_empty()
                    {
                        // Everything is durable in the log already; a failed compaction only
                        // delays the next one.
                        if let Err(e) = self.compact(&mut inner) {
                            tracing::warn!(error = %e, "compacting the offsets log failed; will retry");
                        }
                    }
                }
                // After a failed fsync the page cache may or may not reach the disk: nothing is
                // known, so nothing more is appended to this log (PostgreSQL's "fsyncgate"
                // lesson) until a repair replaces it.
                Err(e) => {
                    tracing::error!(error = %e, "offsets log fsync failed; failing the commits it covered");
                    inner.failed = Some(format!("fsync failed: {e}"));
                }
            }
            self.synced.notify_all();
        };
        inner.waiting -= 1;
        self.synced.notify_all();
        outcome
    }

    /// After a failed write or fsync: the durable state (the table holds only fsynced entries)
    /// is written as a new snapshot and the log restarts empty, so nothing of unknown state stays
    /// behind; entries that were not durable have failed. Refused while writers still wait (each
    /// fails at once and leaves), so none of them can mistake the new log's fsync for theirs.
    fn repair(&self, inner: &mut FileInner) -> Result<()> {
        let Some(reason) = inner.failed.clone() else {
            return Ok(());
        };
        if inner.waiting > 0 || inner.syncing {
            return Err(self.refused(&reason));
        }
        self.compact(inner).map_err(|e| {
            tracing::error!(error = %e, "cannot replace the offsets log after a failed write yet");
            e
        })?;
        inner.pending.clear();
        inner.synced = inner.written;
        inner.failed = None;
        tracing::warn!(dir = %self.dir.display(), %reason, "replaced the offsets log with its durable state; commits resume");
        Ok(())
    }

    /// Applies the pending entries up to `covered` to the table, in log order.
    fn mark_durable(&self, inner: &mut FileInner, covered: u64) {
        inner.synced = inner.synced.max(covered);
        while inner
            .pending
            .front()
            .is_some_and(|(ticket, _)| *ticket <= covered)
        {
            if let Some((_, entry)) = inner.pending.pop_front() {
                inner.table.apply(&entry);
            }
        }
    }

    fn refused(&self, reason: &str) -> StorageError {
        StorageError::io(
            format!("offsets log in {}", self.dir.display()),
            std::io::Error::other(format!("the commit was not made durable: {reason}")),
        )
    }

    /// Writes the whole table as a new snapshot, then starts an empty log.
    fn compact(&self, inner: &mut FileInner) -> Result<()> {
        let entries = inner.table.to_entries();
        let mut frames = entries.iter().map(frame_of).collect::<Result<Vec<_>>>()?;
        frames.push(frame_of(&Entry::SnapshotEnd {
            entries: entries.len() as u64,
        })?);
        journal::write_whole(&self.dir.join(SNAPSHOT_FILE), SNAPSHOT_MAGIC, &frames)?;
        inner.log = Some(Journal::create(&self.dir.join(LOG_FILE), LOG_MAGIC, &[])?);
        tracing::debug!(
            groups = inner.table.groups.len(),
            "compacted the offsets log"
        );
        Ok(())
    }
}

impl OffsetStore for FileOffsetStore {
    fn kind(&self) -> &'static str {
        "file"
    }

    fn groups(&self) -> Vec<String> {
        lock(&self.inner).table.groups.keys().cloned().collect()
    }

    fn offsets(&self, group: &str) -> Option<GroupOffsets> {
        lock(&self.inner).table.groups.get(group).cloned()
    }

    fn commit(&self, group: &str, commits: &[OffsetCommit], timestamp_ms: i64) -> Result<()> {
        check_commit(commits)?;
        self.append(Entry::Commit {
            group: group.to_string(),
            offsets: commits.iter().map(|c| (c.clone(), timestamp_ms)).collect(),
        })
    }

    fn delete_group(&self, group: &str) -> Result<bool> {
        if !lock(&self.inner).table.groups.contains_key(group) {
            return Ok(false);
        }
        self.append(Entry::DeleteGroup {
            group: group.to_string(),
        })?;
        Ok(true)
    }

    fn delete_topic(&self, topic: &str) -> Result<usize> {
        let affected = lock(&self.inner).table.groups_on_topic(topic);
        if affected == 0 {
            return Ok(0);
        }
        self.append(Entry::DeleteTopic {
            topic: topic.to_string(),
        })?;
        Ok(affected)
    }

    fn close(&self) -> Result<()> {
        let mut inner = lock(&self.inner);
        if inner.log.is_none() {
            return Ok(());
        }
        // A failed write not yet repaired: replace the log with the durable state if possible.
        if let Err(e) = self.repair(&mut inner) {
            tracing::warn!(error = %e, "closing the offsets store after a failed write");
        }
        // Entries still waiting for a shared fsync (none once the server has drained) are synced
        // here, so the snapshot below holds them.
        if inner.failed.is_none() && !inner.pending.is_empty() {
            match inner.log.as_ref().map_or(Ok(()), Journal::sync) {
                Ok(()) => {
                    let written = inner.written;
                    self.mark_durable(&mut inner, written);
                }
                Err(e) => inner.failed = Some(format!("fsync failed: {e}")),
            }
            self.synced.notify_all();
        }
        // A clean stop leaves one snapshot and an empty log, so the next start reads less.
        if inner.failed.is_none() && inner.log_bytes() > LOG_MAGIC.len() as u64 {
            self.compact(&mut inner)?;
        }
        inner.log = None;
        Ok(())
    }
}
