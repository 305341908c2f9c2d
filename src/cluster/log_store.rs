//! The Raft log of the metadata quorum: in memory, or in memory backed by journal files.
//!
//! `raft.log` is a [`journal`] file (magic `FQRFTLG1`): one frame per operation (appended
//! entries, a truncation, a purge) as JSON, fsynced before the operation counts, replayed in order
//! at open. A torn tail (a crash mid-write: never reported flushed, so Raft never counted it) is
//! cut off. Damage before the end fails the open with [`storage::StorageError::Corrupt`] naming
//! the file and byte position: a voter whose log forgot entries it acknowledged must never vote,
//! so the broker stays out of the cluster and says why. When the file has grown well past what it
//! holds, it is rewritten whole (temp file, fsync, rename). The vote lives in `vote.json`, a
//! framed whole file (magic `FQRFTVT1`, one frame: the vote as JSON) replaced crash-safely.
//!
//! Format 0, from before the journal, is still read and rewritten at open in the current format:
//! `raft.log` frames `[u32 length][u32 CRC32C of the JSON][JSON operation]` with no magic, and a
//! plain JSON vote. Its frames carry no length CRC, so only a frame that runs past the end of the
//! file with nothing but the start of its JSON after its header (serde's JSON has no control
//! bytes; the next frame's length always has one), zeros to the end, or a bad CRC on a frame
//! ending at the end of the file count as torn; any other bad frame is damage.
//!
//! File I/O runs on blocking threads, never on the async runtime's.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::ops::RangeBounds;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use openraft::storage::{LogFlushed, RaftLogStorage};
use openraft::{LogId, LogState, RaftLogReader, StorageError, StorageIOError, Vote};
use serde::{Deserialize, Serialize};

use super::{MetaEntry, MetaTypeConfig, NodeId, read_legacy_json};
use crate::storage;
use crate::storage::journal::{self, Frame, FramedFile, Journal, MAX_FRAME_BYTES, Magic};

/// The log file in the cluster dir.
pub const LOG_FILE: &str = "raft.log";
/// The vote file in the cluster dir.
pub const VOTE_FILE: &str = "vote.json";
/// Magic opening the Raft log, format 1 (format 0 had none).
const LOG_MAGIC: &Magic = b"FQRFTLG1";
/// Magic opening the vote file, format 1 (format 0 was plain JSON).
const VOTE_MAGIC: &Magic = b"FQRFTVT1";
/// Rewrite the log file once it is this much larger than a fresh copy would be.
const COMPACT_SLACK_BYTES: u64 = 8 * 1024 * 1024;
/// Bytes of a format-0 frame header: length and CRC.
const LEGACY_FRAME_HEADER_BYTES: usize = 8;

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
    log: Journal,
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

fn frame(op: &LogOp) -> storage::Result<Frame> {
    let payload = serde_json::to_vec(op)
        .map_err(|e| storage::StorageError::io("encoding a Raft log operation", io_error(e)))?;
    Frame::new(&payload)
}

fn decode(payload: &[u8]) -> Result<LogOp, String> {
    serde_json::from_slice(payload).map_err(|e| format!("not a Raft log operation: {e}"))
}

/// A format-0 log, read: its operations and the bytes of whole frames before a torn tail.
struct LegacyLog {
    ops: Vec<LogOp>,
    kept: u64,
}

/// Reads a format-0 `raft.log` (see the module docs for what counts as torn there).
fn read_legacy_log(path: &Path, bytes: &[u8]) -> storage::Result<LegacyLog> {
    let mut ops = Vec::new();
    let mut at = 0usize;
    let torn = |ops, at: usize| {
        Ok(LegacyLog {
            ops,
            kept: at as u64,
        })
    };
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.len() < LEGACY_FRAME_HEADER_BYTES || rest.iter().all(|b| *b == 0) {
            return torn(ops, at);
        }
        let len = u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let crc = u32::from_le_bytes([rest[4], rest[5], rest[6], rest[7]]);
        let damage = |reason: &str| journal::corrupt(path, at as u64, reason);
        if len > MAX_FRAME_BYTES {
            return Err(damage(&format!(
                "frame length {len} is over the limit of {MAX_FRAME_BYTES}"
            )));
        }
        let body = &rest[LEGACY_FRAME_HEADER_BYTES..];
        if body.len() < len {
            if body.iter().any(|b| *b < 0x20) {
                return Err(damage(
                    "frame runs past the end of the file over what is not its JSON (a damaged length)",
                ));
            }
            return torn(ops, at);
        }
        let payload = &body[..len];
        if crc32c::crc32c(payload) != crc {
            if body.len() == len {
                return torn(ops, at);
            }
            return Err(damage("frame CRC mismatch"));
        }
        ops.push(decode(payload).map_err(|reason| damage(&reason))?);
        at += LEGACY_FRAME_HEADER_BYTES + len;
    }
    torn(ops, at)
}

/// The vote stored at `path`, checked, and whether it is in format 0; `None` when there is none.
fn read_vote(path: &Path) -> storage::Result<Option<(Vote<NodeId>, bool)>> {
    let Some(bytes) = journal::read_if_exists(path)? else {
        return Ok(None);
    };
    if !journal::has_magic(&bytes, VOTE_MAGIC) {
        return Ok(Some((read_legacy_json(path, &bytes, "a Raft vote")?, true)));
    }
    let file = FramedFile::parse(path, bytes, VOTE_MAGIC)?;
    let (position, payload) = file.only_frame("Raft vote")?;
    let vote = serde_json::from_slice(payload)
        .map_err(|e| file.corrupt(position, format!("not a Raft vote: {e}")))?;
    Ok(Some((vote, false)))
}

/// Replaces the vote at `path` crash-safely.
fn write_vote(path: &Path, vote: &Vote<NodeId>) -> storage::Result<()> {
    let payload = serde_json::to_vec(vote)
        .map_err(|e| storage::StorageError::io("encoding the Raft vote", io_error(e)))?;
    journal::write_whole(path, VOTE_MAGIC, &[Frame::new(&payload)?])
}

/// Reads the Raft log and vote in `dir` and checks them, changing nothing: `Err` on damage.
pub fn verify(dir: &Path) -> storage::Result<()> {
    read_vote(&dir.join(VOTE_FILE))?;
    let path = dir.join(LOG_FILE);
    match journal::read_if_exists(&path)? {
        None => {}
        Some(bytes) if journal::has_magic(&bytes, LOG_MAGIC) => {
            journal::replay(&path, &bytes, LOG_MAGIC, |payload| {
                decode(payload).map(drop)
            })?;
        }
        Some(bytes) => {
            read_legacy_log(&path, &bytes)?;
        }
    }
    Ok(())
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
            file.log.append_synced(&frame(&op)?)?;
        }
        self.apply(op);
        if self
            .file
            .as_ref()
            .is_some_and(|f| f.log.len() > f.live_bytes + COMPACT_SLACK_BYTES)
            && let Err(e) = self.rewrite()
        {
            // The op is durable in the old file, which is still whole: only the rewrite waits.
            tracing::warn!(error = %e, "rewriting the Raft log failed; will retry");
        }
        Ok(())
    }

    /// Replaces the file with one holding only the live log: temp, fsync, rename.
    fn rewrite(&mut self) -> storage::Result<()> {
        let Some(dir) = self.file.as_ref().map(|f| f.dir.clone()) else {
            return Ok(());
        };
        let log = Journal::create(&dir.join(LOG_FILE), LOG_MAGIC, &self.live_frames()?)?;
        self.file = Some(LogFile {
            dir,
            live_bytes: log.len(),
            log,
        });
        Ok(())
    }

    /// The live log as frames: the last purge, then one append per entry (each frame stays
    /// small however long the log is).
    fn live_frames(&self) -> storage::Result<Vec<Frame>> {
        let purge = self.last_purged.map(LogOp::Purge);
        let appends = self
            .entries
            .values()
            .map(|entry| LogOp::Append(vec![entry.clone()]));
        purge
            .into_iter()
            .chain(appends)
            .map(|op| frame(&op))
            .collect()
    }
}

impl LogStore {
    /// A log kept in memory only (tests, `--storage memory`).
    pub fn in_memory() -> LogStore {
        LogStore::default()
    }

    /// Opens (creating if needed) the log kept in `dir`, replaying it and cutting off a torn
    /// tail; files of format 0 are read and rewritten in the current format. Damage anywhere
    /// else is [`storage::StorageError::Corrupt`]. Blocking.
    pub fn open(dir: &Path) -> storage::Result<LogStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| storage::StorageError::io(format!("creating {}", dir.display()), e))?;
        let mut inner = LogInner::default();
        let vote_path = dir.join(VOTE_FILE);
        if let Some((vote, legacy)) = read_vote(&vote_path)? {
            if legacy {
                write_vote(&vote_path, &vote)?;
                tracing::info!(path = %vote_path.display(), "rewrote the Raft vote in format 1");
            }
            inner.vote = Some(vote);
        }
        let path = dir.join(LOG_FILE);
        let log = match journal::file_has_magic(&path, LOG_MAGIC)? {
            Some(false) => {
                let bytes = journal::read_if_exists(&path)?.unwrap_or_default();
                let legacy = read_legacy_log(&path, &bytes)?;
                for op in legacy.ops {
                    inner.apply(op);
                }
                let log = Journal::create(&path, LOG_MAGIC, &inner.live_frames()?)?;
                tracing::info!(
                    path = %path.display(),
                    kept_bytes = legacy.kept,
                    cut_bytes = bytes.len() as u64 - legacy.kept,
                    "rewrote the Raft log of format 0 in format 1"
                );
                log
            }
            _ => Journal::open(&path, LOG_MAGIC, |payload| {
                inner.apply(decode(payload)?);
                Ok(())
            })?,
        };
        inner.file = Some(LogFile {
            dir: dir.to_path_buf(),
            live_bytes: log.len(),
            log,
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
                write_vote(&file.dir.join(VOTE_FILE), &vote)?;
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
    use crate::storage::journal::damage_at;
    use openraft::{CommittedLeaderId, EntryPayload};
    use std::fs::File;

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

    fn indexes(store: &LogStore) -> Vec<u64> {
        store.lock().entries.keys().copied().collect()
    }

    /// A log of `count` appends of one entry each, and where each frame starts (its end last).
    fn written_log(dir: &Path, count: u64) -> (Vec<u8>, Vec<usize>) {
        let store = LogStore::open(dir).unwrap();
        let mut starts = vec![std::fs::metadata(dir.join(LOG_FILE)).unwrap().len() as usize];
        for index in 1..=count {
            append(&store, vec![entry(index)]);
            starts.push(std::fs::metadata(dir.join(LOG_FILE)).unwrap().len() as usize);
        }
        (std::fs::read(dir.join(LOG_FILE)).unwrap(), starts)
    }

    #[test]
    fn a_torn_last_frame_is_cut_at_every_byte_through_open() {
        let dir = tempfile::tempdir().unwrap();
        let (good, starts) = written_log(dir.path(), 4);
        let path = dir.path().join(LOG_FILE);
        for cut in starts[3]..good.len() {
            std::fs::write(&path, &good[..cut]).unwrap();
            let store = LogStore::open(dir.path()).unwrap();
            assert_eq!(indexes(&store), vec![1, 2, 3], "cut at {cut}");
            append(&store, vec![entry(4)]);
            drop(store);
            assert_eq!(
                indexes(&LogStore::open(dir.path()).unwrap()),
                vec![1, 2, 3, 4]
            );
        }
    }

    #[test]
    fn a_flipped_byte_before_the_last_frame_fails_open_naming_file_and_position() {
        let dir = tempfile::tempdir().unwrap();
        let (good, starts) = written_log(dir.path(), 6);
        let path = dir.path().join(LOG_FILE);
        for at in [starts[0] + 2, starts[2] + 5, starts[3] + 13, starts[5] - 1] {
            let mut damaged = good.clone();
            damaged[at] ^= 0x10;
            std::fs::write(&path, &damaged).unwrap();
            let error = LogStore::open(dir.path())
                .err()
                .expect("damage must fail the open");
            let frame = starts.iter().rev().find(|s| **s <= at).unwrap();
            assert_eq!(damage_at(error, LOG_FILE), *frame as u64, "flip at {at}");
            assert_eq!(
                std::fs::read(&path).unwrap(),
                damaged,
                "the damaged log is left as it was"
            );
            assert!(verify(dir.path()).is_err());
        }
    }

    fn legacy_frame(op: &LogOp) -> Vec<u8> {
        let payload = serde_json::to_vec(op).unwrap();
        let mut frame = (payload.len() as u32).to_le_bytes().to_vec();
        frame.extend_from_slice(&crc32c::crc32c(&payload).to_le_bytes());
        frame.extend_from_slice(&payload);
        frame
    }

    /// A format-0 log: appends of entries 1..=count, then a purge of entry 1; frame starts too.
    fn legacy_log(count: u64) -> (Vec<u8>, Vec<usize>) {
        let mut bytes = Vec::new();
        let mut starts = vec![0];
        for index in 1..=count {
            bytes.extend(legacy_frame(&LogOp::Append(vec![entry(index)])));
            starts.push(bytes.len());
        }
        bytes.extend(legacy_frame(&LogOp::Purge(entry(1).log_id)));
        starts.push(bytes.len());
        (bytes, starts)
    }

    #[test]
    fn a_format_0_log_and_vote_are_read_and_rewritten_in_format_1() {
        let dir = tempfile::tempdir().unwrap();
        let (legacy, _) = legacy_log(3);
        std::fs::write(dir.path().join(LOG_FILE), &legacy).unwrap();
        let vote = Vote::new(3, 2);
        std::fs::write(
            dir.path().join(VOTE_FILE),
            serde_json::to_vec(&vote).unwrap(),
        )
        .unwrap();
        verify(dir.path()).unwrap();
        let store = LogStore::open(dir.path()).unwrap();
        assert_eq!(indexes(&store), vec![2, 3]);
        assert_eq!(store.lock().vote, Some(vote));
        append(&store, vec![entry(4)]);
        drop(store);
        let log = std::fs::read(dir.path().join(LOG_FILE)).unwrap();
        assert!(log.starts_with(LOG_MAGIC));
        assert!(
            std::fs::read(dir.path().join(VOTE_FILE))
                .unwrap()
                .starts_with(VOTE_MAGIC)
        );
        let store = LogStore::open(dir.path()).unwrap();
        assert_eq!(indexes(&store), vec![2, 3, 4]);
        assert_eq!(store.lock().last_purged, Some(entry(1).log_id));
        assert_eq!(store.lock().vote, Some(vote));
        // An empty format-0 file (a node that never appended) is an empty log.
        let empty = tempfile::tempdir().unwrap();
        std::fs::write(empty.path().join(LOG_FILE), b"").unwrap();
        assert!(indexes(&LogStore::open(empty.path()).unwrap()).is_empty());
    }

    #[test]
    fn a_format_0_log_is_cut_only_at_its_tail_and_damage_before_it_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        let (legacy, starts) = legacy_log(4);
        let last = starts[starts.len() - 2];
        // Torn anywhere in the last frame (the purge), or zeros after it: the rest is kept.
        let mut tails: Vec<Vec<u8>> = (last..legacy.len())
            .map(|cut| legacy[..cut].to_vec())
            .collect();
        tails.push([legacy.clone(), vec![0; 20]].concat());
        for bytes in tails {
            std::fs::write(&path, &bytes).unwrap();
            let store = LogStore::open(dir.path()).unwrap();
            let want: Vec<u64> = if bytes.len() > legacy.len() {
                vec![2, 3, 4]
            } else {
                vec![1, 2, 3, 4]
            };
            assert_eq!(indexes(&store), want, "{} bytes", bytes.len());
        }
        // A flipped byte in an earlier frame: its length, its CRC, its JSON.
        for at in [
            starts[1],
            starts[1] + 1,
            starts[1] + 5,
            starts[1] + 9,
            starts[2] + 20,
        ] {
            let mut damaged = legacy.clone();
            damaged[at] ^= 0x02;
            std::fs::write(&path, &damaged).unwrap();
            let frame = starts.iter().rev().find(|s| **s <= at).unwrap();
            let error = LogStore::open(dir.path())
                .err()
                .expect("damage must fail the open");
            assert_eq!(damage_at(error, LOG_FILE), *frame as u64, "flip at {at}");
            assert_eq!(std::fs::read(&path).unwrap(), damaged);
        }
        // A length made larger so that the frame runs past the end: the bytes after its header
        // hold the next frames, not the start of its JSON, so this is damage, not a torn tail.
        let mut damaged = legacy.clone();
        damaged[starts[1] + 2] ^= 0x01;
        std::fs::write(&path, &damaged).unwrap();
        let error = LogStore::open(dir.path())
            .err()
            .expect("a damaged length must fail");
        assert_eq!(damage_at(error, LOG_FILE), starts[1] as u64);
    }

    #[test]
    fn a_damaged_vote_fails_open_naming_file_and_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(VOTE_FILE);
        write_vote(&path, &Vote::new(7, 1)).unwrap();
        let good = std::fs::read(&path).unwrap();
        assert_eq!(
            LogStore::open(dir.path()).unwrap().lock().vote,
            Some(Vote::new(7, 1))
        );
        for at in 0..good.len() {
            let mut damaged = good.clone();
            damaged[at] ^= 0x01;
            std::fs::write(&path, &damaged).unwrap();
            let error = LogStore::open(dir.path())
                .err()
                .expect("a damaged vote must fail");
            damage_at(error, VOTE_FILE);
        }
        for cut in 0..good.len() {
            std::fs::write(&path, &good[..cut]).unwrap();
            let error = LogStore::open(dir.path())
                .err()
                .expect("a cut vote must fail");
            damage_at(error, VOTE_FILE);
        }
        std::fs::write(&path, b"{\"leader_id\":").unwrap();
        damage_at(LogStore::open(dir.path()).err().unwrap(), VOTE_FILE);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any bytes as `raft.log`, in either format, open or fail with corruption: never a panic.
        #[test]
        fn arbitrary_log_bytes_never_panic(
            tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            framed in proptest::prelude::any::<bool>(),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let bytes = if framed { [LOG_MAGIC.as_slice(), &tail].concat() } else { tail };
            std::fs::write(dir.path().join(LOG_FILE), &bytes).unwrap();
            if let Err(e) = LogStore::open(dir.path()) {
                proptest::prop_assert!(matches!(e, storage::StorageError::Corrupt { .. }), "{}", e);
            }
        }

        /// One flipped byte anywhere in a log: the open fails naming the damaged frame, or the
        /// byte was in the last frame and exactly that frame is cut. Never a shorter log otherwise.
        #[test]
        fn a_flipped_byte_fails_open_or_cuts_only_the_last_frame(
            count in 2u64..8,
            at in proptest::prelude::any::<proptest::sample::Index>(),
            bits in 1u8..=255,
        ) {
            let dir = tempfile::tempdir().unwrap();
            let (good, starts) = written_log(dir.path(), count);
            let at = at.index(good.len());
            let mut damaged = good;
            damaged[at] ^= bits;
            std::fs::write(dir.path().join(LOG_FILE), &damaged).unwrap();
            let last = starts[starts.len() - 2];
            match LogStore::open(dir.path()) {
                Ok(store) => {
                    proptest::prop_assert!(at >= last, "damage at {} was not reported", at);
                    proptest::prop_assert_eq!(indexes(&store), (1..count).collect::<Vec<_>>());
                }
                Err(e) => {
                    let frame = starts.iter().rev().find(|s| **s <= at).copied();
                    let want = if at < journal::MAGIC_BYTES { 0 } else { frame.unwrap_or(0) as u64 };
                    proptest::prop_assert_eq!(damage_at(e, LOG_FILE), want);
                }
            }
        }
    }
}
