//! The Raft log of the metadata quorum: in memory, or in memory backed by a crash-safe file.
//!
//! The file is an append-only sequence of frames `[u32 length][u32 CRC32C][JSON operation]`:
//! appended entries, truncations and purges, replayed in order at open. A torn or corrupt tail
//! (a crash mid-write) is cut off: the entries in it were never reported flushed, so Raft never
//! counted them. When the file has grown well past what it holds, it is rewritten whole
//! (temp file, fsync, rename). The vote lives in its own file, replaced crash-safely.
//!
//! File I/O runs on blocking threads, never on the async runtime's.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::fs::File;
use std::io::{Read, Write};
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::{LogFlushed, RaftLogStorage};
use openraft::{LogId, LogState, RaftLogReader, StorageError, StorageIOError, Vote};
use serde::{Deserialize, Serialize};

use super::{MetaEntry, MetaTypeConfig, NodeId};
use crate::storage::durable::write_atomically;

/// The log file in the cluster dir.
pub const LOG_FILE: &str = "raft.log";
/// The vote file in the cluster dir.
pub const VOTE_FILE: &str = "vote.json";
/// Rewrite the log file once it is this much larger than a fresh copy would be.
const COMPACT_SLACK_BYTES: u64 = 8 * 1024 * 1024;
/// The largest frame accepted when reading the file back.
const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// One change to the log, as written to the file.
#[derive(Serialize, Deserialize)]
enum LogOp {
    Append(Vec<MetaEntry>),
    /// Removes entries with index >= the value.
    Truncate(u64),
    /// Removes entries up to and including the log id.
    Purge(LogId<NodeId>),
}

#[derive(Default)]
struct LogInner {
    vote: Option<Vote<NodeId>>,
    last_purged: Option<LogId<NodeId>>,
    entries: BTreeMap<u64, MetaEntry>,
    file: Option<LogFile>,
}

struct LogFile {
    dir: PathBuf,
    log: File,
    /// Bytes in the file now.
    bytes: u64,
    /// Bytes the live entries took when last written whole.
    live_bytes: u64,
}

/// The metadata log; clones share one log (openraft reads through a clone).
#[derive(Clone, Default)]
pub struct LogStore {
    inner: Arc<Mutex<LogInner>>,
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

fn frame(op: &LogOp) -> std::io::Result<Vec<u8>> {
    let payload = serde_json::to_vec(op).map_err(io_error)?;
    let mut frame = Vec::with_capacity(payload.len() + 8);
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
    frame.extend_from_slice(&payload);
    Ok(frame)
}

/// Reads frames until the end or the first torn or corrupt one; returns the ops and the byte
/// length of the good prefix.
fn read_frames(bytes: &[u8]) -> (Vec<LogOp>, u64) {
    let mut ops = Vec::new();
    let mut at = 0usize;
    while bytes.len() - at >= 8 {
        let len = u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or_default()) as usize;
        let crc = u32::from_le_bytes(bytes[at + 4..at + 8].try_into().unwrap_or_default());
        if len > MAX_FRAME_BYTES || bytes.len() - at - 8 < len {
            break;
        }
        let payload = &bytes[at + 8..at + 8 + len];
        if crc32c::crc32c(payload) != crc {
            break;
        }
        let Ok(op) = serde_json::from_slice::<LogOp>(payload) else {
            break;
        };
        ops.push(op);
        at += 8 + len;
    }
    (ops, at as u64)
}

impl LogInner {
    fn apply(&mut self, op: LogOp) {
        match op {
            LogOp::Append(entries) => {
                for entry in entries {
                    self.entries.insert(entry.log_id.index, entry);
                }
            }
            LogOp::Truncate(index) => {
                self.entries.split_off(&index);
            }
            LogOp::Purge(log_id) => {
                self.entries = self.entries.split_off(&(log_id.index + 1));
                self.last_purged = Some(log_id);
            }
        }
    }

    /// Writes one op to the file (fsynced) before it changes the in-memory log.
    fn persist_and_apply(&mut self, op: LogOp) -> std::io::Result<()> {
        if let Some(file) = &mut self.file {
            let bytes = frame(&op)?;
            file.log.write_all(&bytes)?;
            file.log.sync_data()?;
            file.bytes += bytes.len() as u64;
        }
        self.apply(op);
        if self
            .file
            .as_ref()
            .is_some_and(|f| f.bytes > f.live_bytes + COMPACT_SLACK_BYTES)
        {
            self.rewrite()?;
        }
        Ok(())
    }

    /// Replaces the file with one holding only the live log: temp, fsync, rename.
    fn rewrite(&mut self) -> std::io::Result<()> {
        let Some(file) = &self.file else {
            return Ok(());
        };
        let mut bytes = Vec::new();
        if let Some(purged) = self.last_purged {
            bytes.extend(frame(&LogOp::Purge(purged))?);
        }
        bytes.extend(frame(&LogOp::Append(
            self.entries.values().cloned().collect(),
        ))?);
        let path = file.dir.join(LOG_FILE);
        write_atomically(&path, &bytes).map_err(io_error)?;
        let log = File::options().append(true).open(&path)?;
        let dir = file.dir.clone();
        self.file = Some(LogFile {
            dir,
            log,
            bytes: bytes.len() as u64,
            live_bytes: bytes.len() as u64,
        });
        Ok(())
    }
}

impl LogStore {
    /// A log kept in memory only (tests, `--storage memory`).
    pub fn in_memory() -> LogStore {
        LogStore::default()
    }

    /// Opens (creating if needed) the log kept in `dir`, replaying it and cutting off a torn
    /// tail. Blocking.
    pub fn open(dir: &Path) -> std::io::Result<LogStore> {
        std::fs::create_dir_all(dir)?;
        let mut inner = LogInner::default();
        match std::fs::read(dir.join(VOTE_FILE)) {
            Ok(bytes) => inner.vote = Some(serde_json::from_slice(&bytes).map_err(io_error)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let path = dir.join(LOG_FILE);
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut f) => {
                f.read_to_end(&mut bytes)?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let (ops, good) = read_frames(&bytes);
        if good < bytes.len() as u64 {
            tracing::warn!(
                path = %path.display(),
                kept_bytes = good,
                cut_bytes = bytes.len() as u64 - good,
                "metadata log had a torn tail; cut it off"
            );
        }
        for op in ops {
            inner.apply(op);
        }
        let log = File::options()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|f| {
                f.set_len(good)?;
                f.sync_all()?;
                Ok(f)
            })?;
        inner.file = Some(LogFile {
            dir: dir.to_path_buf(),
            log,
            bytes: good,
            live_bytes: good,
        });
        Ok(LogStore {
            inner: Arc::new(Mutex::new(inner)),
        })
    }

    fn lock(&self) -> MutexGuard<'_, LogInner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `work` on the log from a blocking thread: it may write and fsync.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut LogInner) -> std::io::Result<T> + Send + 'static,
    ) -> std::io::Result<T> {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = inner.lock().unwrap_or_else(|e| e.into_inner());
            work(&mut guard)
        })
        .await
        .map_err(io_error)?
    }
}

impl RaftLogReader<MetaTypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + Send>(
        &mut self,
        range: RB,
    ) -> Result<Vec<MetaEntry>, StorageError<NodeId>> {
        Ok(self
            .lock()
            .entries
            .range(range)
            .map(|(_, e)| e.clone())
            .collect())
    }
}

impl RaftLogStorage<MetaTypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<MetaTypeConfig>, StorageError<NodeId>> {
        let inner = self.lock();
        let last_purged_log_id = inner.last_purged;
        let last_log_id = inner
            .entries
            .values()
            .next_back()
            .map(|e| e.log_id)
            .or(last_purged_log_id);
        Ok(LogState {
            last_purged_log_id,
            last_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> Self::LogReader {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<NodeId>) -> Result<(), StorageError<NodeId>> {
        let vote = *vote;
        self.blocking(move |inner| {
            if let Some(file) = &inner.file {
                let bytes = serde_json::to_vec(&vote).map_err(io_error)?;
                write_atomically(&file.dir.join(VOTE_FILE), &bytes).map_err(io_error)?;
            }
            inner.vote = Some(vote);
            Ok(())
        })
        .await
        .map_err(|e| StorageIOError::write_vote(&e).into())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<NodeId>>, StorageError<NodeId>> {
        Ok(self.lock().vote)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<MetaTypeConfig>,
    ) -> Result<(), StorageError<NodeId>>
    where
        I: IntoIterator<Item = MetaEntry> + Send,
        I::IntoIter: Send,
    {
        let entries: Vec<MetaEntry> = entries.into_iter().collect();
        let written = self
            .blocking(move |inner| inner.persist_and_apply(LogOp::Append(entries)))
            .await;
        match written {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(e) => {
                let error = StorageIOError::write_logs(&e).into();
                callback.log_io_completed(Err(e));
                Err(error)
            }
        }
    }

    async fn truncate(&mut self, log_id: LogId<NodeId>) -> Result<(), StorageError<NodeId>> {
        self.blocking(move |inner| inner.persist_and_apply(LogOp::Truncate(log_id.index)))
            .await
            .map_err(|e| StorageIOError::write_logs(&e).into())
    }

    async fn purge(&mut self, log_id: LogId<NodeId>) -> Result<(), StorageError<NodeId>> {
        self.blocking(move |inner| inner.persist_and_apply(LogOp::Purge(log_id)))
            .await
            .map_err(|e| StorageIOError::write_logs(&e).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openraft::{CommittedLeaderId, EntryPayload};

    fn entry(index: u64) -> MetaEntry {
        MetaEntry {
            log_id: LogId::new(CommittedLeaderId::new(1, 1), index),
            payload: EntryPayload::Blank,
        }
    }

    fn append(store: &LogStore, entries: Vec<MetaEntry>) {
        store
            .lock()
            .persist_and_apply(LogOp::Append(entries))
            .unwrap();
    }

    #[test]
    fn file_log_survives_reopen_with_truncate_and_purge() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        append(&store, (1..=5).map(entry).collect());
        store.lock().persist_and_apply(LogOp::Truncate(4)).unwrap();
        store
            .lock()
            .persist_and_apply(LogOp::Purge(entry(1).log_id))
            .unwrap();
        drop(store);
        let reopened = LogStore::open(dir.path()).unwrap();
        let inner = reopened.lock();
        assert_eq!(
            inner.entries.keys().copied().collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert_eq!(inner.last_purged, Some(entry(1).log_id));
    }

    #[test]
    fn a_torn_tail_is_cut_and_later_appends_follow_the_good_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        append(&store, vec![entry(1)]);
        append(&store, vec![entry(2)]);
        drop(store);
        // A crash in the middle of the second frame.
        let path = dir.path().join(LOG_FILE);
        let len = std::fs::metadata(&path).unwrap().len();
        File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 3)
            .unwrap();
        let reopened = LogStore::open(dir.path()).unwrap();
        assert_eq!(reopened.lock().entries.len(), 1);
        append(&reopened, vec![entry(2)]);
        drop(reopened);
        let again = LogStore::open(dir.path()).unwrap();
        assert_eq!(again.lock().entries.len(), 2);
    }

    #[test]
    fn garbage_never_panics() {
        for bytes in [
            vec![],
            vec![0xff; 3],
            vec![0xff; 64],
            vec![4, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4],
        ] {
            let (ops, good) = read_frames(&bytes);
            assert!(ops.is_empty());
            assert_eq!(good, 0);
        }
    }

    #[test]
    fn rewrite_keeps_the_live_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        append(&store, (1..=3).map(entry).collect());
        store
            .lock()
            .persist_and_apply(LogOp::Purge(entry(1).log_id))
            .unwrap();
        store.lock().rewrite().unwrap();
        append(&store, vec![entry(4)]);
        drop(store);
        let reopened = LogStore::open(dir.path()).unwrap();
        let inner = reopened.lock();
        assert_eq!(
            inner.entries.keys().copied().collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        assert_eq!(inner.last_purged, Some(entry(1).log_id));
    }
}
