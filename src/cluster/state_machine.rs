//! The metadata state machine: [`ClusterState`] with the Raft bookkeeping around it, and its
//! snapshots.
//!
//! The state itself lives in memory and is rebuilt at start from the last snapshot plus the log
//! entries after it. A snapshot is the serialized state, written to `snapshot.json` crash-safely
//! (temp file, fsync, rename, fsync dir) when the broker keeps a cluster dir, as a framed whole
//! file ([`journal::write_whole`], magic `FQRFTSN1`): a first frame holding the snapshot's meta
//! and the state's length as JSON, then the state (JSON) in frames of at most
//! [`journal::MAX_FRAME_BYTES`]. Any defect in it fails the open with the file and byte position.
//! A snapshot of format 0 (plain JSON, the state inside as an array of bytes) is still read, and
//! rewritten at open.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use openraft::storage::RaftStateMachine;
use openraft::{
    EntryPayload, LogId, RaftSnapshotBuilder, Snapshot, SnapshotMeta, StorageError, StorageIOError,
    StoredMembership,
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::state::{ClusterState, MetaCommand, MetaResponse};
use super::{MetaEntry, MetaNode, MetaTypeConfig, NodeId, read_legacy_json};
use crate::storage;
use crate::storage::journal::{self, Frame, FramedFile, MAX_FRAME_BYTES, Magic};

/// The snapshot file in the cluster dir.
pub const SNAPSHOT_FILE: &str = "snapshot.json";
/// Magic opening the snapshot file, format 1 (format 0 was plain JSON).
const SNAPSHOT_MAGIC: &Magic = b"FQRFTSN1";

/// The state machine's content: what a snapshot holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AppliedState {
    pub last_applied: Option<LogId<NodeId>>,
    pub membership: StoredMembership<NodeId, MetaNode>,
    pub cluster: ClusterState,
}

/// A snapshot as openraft hands it over: its meta and the serialized [`AppliedState`]. (Also
/// the whole of a format-0 snapshot file.)
#[derive(Deserialize)]
struct StoredSnapshot {
    meta: SnapshotMeta<NodeId, MetaNode>,
    data: Vec<u8>,
}

/// The first frame of a snapshot file.
#[derive(Serialize, Deserialize)]
struct SnapshotHead {
    meta: SnapshotMeta<NodeId, MetaNode>,
    /// Bytes of the state in the frames after this one, so a file short of some is caught.
    data_bytes: u64,
}

/// A snapshot read back and checked, with the state it holds.
struct LoadedSnapshot {
    snapshot: StoredSnapshot,
    state: AppliedState,
    /// Read from format 0: rewrite it.
    legacy: bool,
}

/// Replaces the snapshot at `path` crash-safely.
fn write_snapshot(path: &Path, snapshot: &StoredSnapshot) -> storage::Result<()> {
    let head = serde_json::to_vec(&SnapshotHead {
        meta: snapshot.meta.clone(),
        data_bytes: snapshot.data.len() as u64,
    })
    .map_err(|e| storage::StorageError::io("encoding a snapshot", io_error(e)))?;
    let mut frames = vec![Frame::new(&head)?];
    for chunk in snapshot.data.chunks(MAX_FRAME_BYTES) {
        frames.push(Frame::new(chunk)?);
    }
    journal::write_whole(path, SNAPSHOT_MAGIC, &frames)
}

/// The snapshot at `path`, checked down to its state parsing; `None` when there is none.
fn read_snapshot(path: &Path) -> storage::Result<Option<LoadedSnapshot>> {
    let Some(bytes) = journal::read_if_exists(path)? else {
        return Ok(None);
    };
    let (snapshot, data_position, legacy) = if journal::has_magic(&bytes, SNAPSHOT_MAGIC) {
        let file = FramedFile::parse(path, bytes, SNAPSHOT_MAGIC)?;
        let mut frames = file.frames();
        let Some((head_position, head)) = frames.next() else {
            return Err(file.corrupt(file.len(), "the snapshot file holds no snapshot"));
        };
        let head: SnapshotHead = serde_json::from_slice(head)
            .map_err(|e| file.corrupt(head_position, format!("not a snapshot header: {e}")))?;
        let mut data = Vec::new();
        let mut data_position = file.len();
        for (position, chunk) in frames {
            data_position = data_position.min(position);
            data.extend_from_slice(chunk);
        }
        if data.len() as u64 != head.data_bytes {
            return Err(file.corrupt(
                file.len(),
                format!(
                    "the snapshot's state is {} bytes, its header says {}",
                    data.len(),
                    head.data_bytes
                ),
            ));
        }
        let snapshot = StoredSnapshot {
            meta: head.meta,
            data,
        };
        (snapshot, data_position, false)
    } else {
        (
            read_legacy_json(path, &bytes, "a metadata snapshot")?,
            0,
            true,
        )
    };
    let state = serde_json::from_slice(&snapshot.data).map_err(|e| {
        journal::corrupt(
            path,
            data_position,
            format!("the snapshot's state does not parse: {e}"),
        )
    })?;
    Ok(Some(LoadedSnapshot {
        snapshot,
        state,
        legacy,
    }))
}

/// Reads the snapshot in `dir` and checks it, changing nothing: `Err` on damage.
pub fn verify(dir: &Path) -> storage::Result<()> {
    read_snapshot(&dir.join(SNAPSHOT_FILE)).map(drop)
}

struct Shared {
    state: RwLock<AppliedState>,
    /// Bumped after every apply, so brokers can react to metadata changes.
    version: watch::Sender<u64>,
    /// Bumped after an apply that may have changed topics or their assignments (not after
    /// heartbeats of live brokers, committed offsets or producer ids, most of the entries), so
    /// the replication reconciler walks every partition only when that can matter.
    placement_version: watch::Sender<u64>,
    current_snapshot: Mutex<Option<StoredSnapshot>>,
    snapshot_dir: Option<PathBuf>,
}

/// The state machine openraft drives; clones share one state.
#[derive(Clone)]
pub struct StateMachineStore {
    shared: Arc<Shared>,
}

/// A read-only view of the applied metadata, for the rest of the broker.
#[derive(Clone)]
pub struct MetadataView {
    shared: Arc<Shared>,
}

impl MetadataView {
    /// Reads the metadata in place.
    pub fn with<T>(&self, read: impl FnOnce(&ClusterState) -> T) -> T {
        read(
            &self
                .shared
                .state
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .cluster,
        )
    }

    /// Changes whenever a command is applied.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.shared.version.subscribe()
    }

    /// Changes whenever an applied command may have changed topics or their assignments.
    pub fn subscribe_placement(&self) -> watch::Receiver<u64> {
        self.shared.placement_version.subscribe()
    }
}

/// Whether applying `command` to `state` may change topics or partition assignments: a
/// heartbeat does only when it unfences its broker.
fn may_change_placement(state: &ClusterState, command: &MetaCommand) -> bool {
    match command {
        MetaCommand::Heartbeat { id, .. } => state.brokers.get(id).is_none_or(|b| b.fenced),
        MetaCommand::CommitOffsets { .. }
        | MetaCommand::DeleteGroupOffsets { .. }
        | MetaCommand::ReserveProducerIds { .. } => false,
        _ => true,
    }
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl StateMachineStore {
    /// A state machine whose snapshots stay in memory.
    pub fn in_memory() -> StateMachineStore {
        Self::with(AppliedState::default(), None, None)
    }

    /// Opens the state machine of `dir`, starting from its snapshot if it has one (one of
    /// format 0 is rewritten in format 1). A damaged snapshot is
    /// [`storage::StorageError::Corrupt`]. Blocking.
    pub fn open(dir: &Path) -> storage::Result<StateMachineStore> {
        std::fs::create_dir_all(dir)
            .map_err(|e| storage::StorageError::io(format!("creating {}", dir.display()), e))?;
        let path = dir.join(SNAPSHOT_FILE);
        let (state, snapshot) = match read_snapshot(&path)? {
            Some(loaded) => {
                if loaded.legacy {
                    write_snapshot(&path, &loaded.snapshot)?;
                    tracing::info!(path = %path.display(), "rewrote the metadata snapshot in format 1");
                }
                (loaded.state, Some(loaded.snapshot))
            }
            None => (AppliedState::default(), None),
        };
        Ok(Self::with(state, snapshot, Some(dir.to_path_buf())))
    }

    fn with(
        state: AppliedState,
        snapshot: Option<StoredSnapshot>,
        snapshot_dir: Option<PathBuf>,
    ) -> StateMachineStore {
        StateMachineStore {
            shared: Arc::new(Shared {
                state: RwLock::new(state),
                version: watch::channel(0).0,
                placement_version: watch::channel(0).0,
                current_snapshot: Mutex::new(snapshot),
                snapshot_dir,
            }),
        }
    }

    /// The view the rest of the broker reads.
    pub fn view(&self) -> MetadataView {
        MetadataView {
            shared: self.shared.clone(),
        }
    }

    /// Keeps `snapshot` as the current one, on disk first when there is a dir.
    async fn keep_snapshot(&self, snapshot: StoredSnapshot) -> std::io::Result<()> {
        let shared = self.shared.clone();
        tokio::task::spawn_blocking(move || {
            if let Some(dir) = &shared.snapshot_dir {
                write_snapshot(&dir.join(SNAPSHOT_FILE), &snapshot)?;
            }
            *shared
                .current_snapshot
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(snapshot);
            Ok(())
        })
        .await
        .map_err(io_error)?
    }
}

impl RaftSnapshotBuilder<MetaTypeConfig> for StateMachineStore {
    async fn build_snapshot(&mut self) -> Result<Snapshot<MetaTypeConfig>, StorageError<NodeId>> {
        let (data, meta) = {
            let state = self.shared.state.read().unwrap_or_else(|e| e.into_inner());
            let data =
                serde_json::to_vec(&*state).map_err(|e| StorageIOError::read_state_machine(&e))?;
            let snapshot_id = match state.last_applied {
                Some(id) => format!("{}-{}-{}", id.leader_id, id.index, crate::broker::now_ms()),
                None => format!("empty-{}", crate::broker::now_ms()),
            };
            let meta = SnapshotMeta {
                last_log_id: state.last_applied,
                last_membership: state.membership.clone(),
                snapshot_id,
            };
            (data, meta)
        };
        self.keep_snapshot(StoredSnapshot {
            meta: meta.clone(),
            data: data.clone(),
        })
        .await
        .map_err(|e| StorageIOError::write_snapshot(Some(meta.signature()), &e))?;
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(data)),
        })
    }
}

impl RaftStateMachine<MetaTypeConfig> for StateMachineStore {
    type SnapshotBuilder = StateMachineStore;

    async fn applied_state(
        &mut self,
    ) -> Result<(Option<LogId<NodeId>>, StoredMembership<NodeId, MetaNode>), StorageError<NodeId>>
    {
        let state = self.shared.state.read().unwrap_or_else(|e| e.into_inner());
        Ok((state.last_applied, state.membership.clone()))
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<MetaResponse>, StorageError<NodeId>>
    where
        I: IntoIterator<Item = MetaEntry> + Send,
        I::IntoIter: Send,
    {
        let mut responses = Vec::new();
        let mut placement_changed = false;
        {
            let mut state = self.shared.state.write().unwrap_or_else(|e| e.into_inner());
            for entry in entries {
                state.last_applied = Some(entry.log_id);
                responses.push(match entry.payload {
                    EntryPayload::Blank => MetaResponse::Applied,
                    EntryPayload::Normal(command) => {
                        placement_changed |= may_change_placement(&state.cluster, &command);
                        state.cluster.apply(&command)
                    }
                    EntryPayload::Membership(membership) => {
                        placement_changed = true;
                        state.membership = StoredMembership::new(Some(entry.log_id), membership);
                        MetaResponse::Applied
                    }
                });
            }
        }
        self.shared.version.send_modify(|v| *v += 1);
        if placement_changed {
            self.shared.placement_version.send_modify(|v| *v += 1);
        }
        Ok(responses)
    }

    async fn get_snapshot_builder(&mut self) -> Self::SnapshotBuilder {
        self.clone()
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<Cursor<Vec<u8>>>, StorageError<NodeId>> {
        Ok(Box::new(Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<NodeId, MetaNode>,
        snapshot: Box<Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError<NodeId>> {
        let data = snapshot.into_inner();
        let state: AppliedState = serde_json::from_slice(&data)
            .map_err(|e| StorageIOError::read_snapshot(Some(meta.signature()), &e))?;
        self.keep_snapshot(StoredSnapshot {
            meta: meta.clone(),
            data,
        })
        .await
        .map_err(|e| StorageIOError::write_snapshot(Some(meta.signature()), &e))?;
        *self.shared.state.write().unwrap_or_else(|e| e.into_inner()) = state;
        self.shared.version.send_modify(|v| *v += 1);
        self.shared.placement_version.send_modify(|v| *v += 1);
        Ok(())
    }

    async fn get_current_snapshot(
        &mut self,
    ) -> Result<Option<Snapshot<MetaTypeConfig>>, StorageError<NodeId>> {
        let current = self
            .shared
            .current_snapshot
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        Ok(current.as_ref().map(|s| Snapshot {
            meta: s.meta.clone(),
            snapshot: Box::new(Cursor::new(s.data.clone())),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openraft::CommittedLeaderId;

    fn snapshot() -> StoredSnapshot {
        let state = AppliedState {
            last_applied: Some(LogId::new(CommittedLeaderId::new(3, 1), 42)),
            ..AppliedState::default()
        };
        StoredSnapshot {
            meta: SnapshotMeta {
                last_log_id: state.last_applied,
                last_membership: StoredMembership::default(),
                snapshot_id: "3-1-42-1000".into(),
            },
            data: serde_json::to_vec(&state).unwrap(),
        }
    }

    fn applied(store: &StateMachineStore) -> Option<LogId<NodeId>> {
        store.shared.state.read().unwrap().last_applied
    }

    fn damage_at(error: storage::StorageError) -> u64 {
        journal::damage_at(error, SNAPSHOT_FILE)
    }

    #[test]
    fn a_snapshot_survives_reopen_and_a_missing_one_is_a_fresh_state() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(applied(&StateMachineStore::open(dir.path()).unwrap()), None);
        write_snapshot(&dir.path().join(SNAPSHOT_FILE), &snapshot()).unwrap();
        let store = StateMachineStore::open(dir.path()).unwrap();
        assert_eq!(applied(&store), snapshot().meta.last_log_id);
        let current = store.shared.current_snapshot.lock().unwrap();
        assert_eq!(current.as_ref().unwrap().data, snapshot().data);
    }

    #[test]
    fn a_format_0_snapshot_is_read_and_rewritten_in_format_1() {
        #[derive(Serialize)]
        struct Format0 {
            meta: SnapshotMeta<NodeId, MetaNode>,
            data: Vec<u8>,
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SNAPSHOT_FILE);
        let old = snapshot();
        let format0 = Format0 {
            meta: old.meta.clone(),
            data: old.data.clone(),
        };
        std::fs::write(&path, serde_json::to_vec(&format0).unwrap()).unwrap();
        verify(dir.path()).unwrap();
        let store = StateMachineStore::open(dir.path()).unwrap();
        assert_eq!(applied(&store), old.meta.last_log_id);
        assert!(std::fs::read(&path).unwrap().starts_with(SNAPSHOT_MAGIC));
        assert_eq!(
            applied(&StateMachineStore::open(dir.path()).unwrap()),
            old.meta.last_log_id
        );
        // Damaged plain JSON is damage too, at about the byte where parsing stopped.
        let mut damaged = serde_json::to_vec(&format0).unwrap();
        let at = damaged.len() / 2;
        damaged.truncate(at);
        std::fs::write(&path, &damaged).unwrap();
        assert_eq!(
            damage_at(StateMachineStore::open(dir.path()).err().unwrap()),
            at as u64
        );
    }

    #[test]
    fn a_damaged_or_short_snapshot_fails_open_naming_file_and_position() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(SNAPSHOT_FILE);
        write_snapshot(&path, &snapshot()).unwrap();
        let good = std::fs::read(&path).unwrap();
        let data_frame = good.len() - snapshot().data.len() - journal::FRAME_HEADER_BYTES;
        for at in 0..good.len() {
            let mut damaged = good.clone();
            damaged[at] ^= 0x08;
            std::fs::write(&path, &damaged).unwrap();
            let error = StateMachineStore::open(dir.path())
                .err()
                .expect("damage must fail");
            let position = damage_at(error);
            if at < journal::MAGIC_BYTES {
                // Without its magic the file reads as format 0, whose JSON fails at once.
                assert!(
                    position <= journal::MAGIC_BYTES as u64,
                    "flip at {at}: {position}"
                );
                continue;
            }
            let frame = if at < data_frame {
                journal::MAGIC_BYTES
            } else {
                data_frame
            };
            // The last frame's damage is found as a frame whose CRC fails at the end of the file.
            assert_eq!(position, frame as u64, "flip at {at}");
            assert!(verify(dir.path()).is_err());
        }
        for cut in 0..good.len() {
            std::fs::write(&path, &good[..cut]).unwrap();
            assert!(StateMachineStore::open(dir.path()).is_err(), "cut at {cut}");
        }
    }
}
