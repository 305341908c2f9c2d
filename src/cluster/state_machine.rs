//! The metadata state machine: [`ClusterState`] with the Raft bookkeeping around it, and its
//! snapshots.
//!
//! The state itself lives in memory and is rebuilt at start from the last snapshot plus the log
//! entries after it. A snapshot is the serialized state, written to `snapshot.json` crash-safely
//! (temp file, fsync, rename, fsync dir) when the broker keeps a cluster dir.

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

use super::state::{ClusterState, MetaResponse};
use super::{MetaEntry, MetaNode, MetaTypeConfig, NodeId};
use crate::storage::durable::write_atomically;

/// The snapshot file in the cluster dir.
pub const SNAPSHOT_FILE: &str = "snapshot.json";

/// The state machine's content: what a snapshot holds.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AppliedState {
    pub last_applied: Option<LogId<NodeId>>,
    pub membership: StoredMembership<NodeId, MetaNode>,
    pub cluster: ClusterState,
}

#[derive(Serialize, Deserialize)]
struct StoredSnapshot {
    meta: SnapshotMeta<NodeId, MetaNode>,
    data: Vec<u8>,
}

struct Shared {
    state: RwLock<AppliedState>,
    /// Bumped after every apply, so brokers can react to metadata changes.
    version: watch::Sender<u64>,
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
}

fn io_error(e: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(e.to_string())
}

impl StateMachineStore {
    /// A state machine whose snapshots stay in memory.
    pub fn in_memory() -> StateMachineStore {
        Self::with(AppliedState::default(), None, None)
    }

    /// Opens the state machine of `dir`, starting from its snapshot if it has one. Blocking.
    pub fn open(dir: &Path) -> std::io::Result<StateMachineStore> {
        std::fs::create_dir_all(dir)?;
        let snapshot = match std::fs::read(dir.join(SNAPSHOT_FILE)) {
            Ok(bytes) => Some(serde_json::from_slice::<StoredSnapshot>(&bytes).map_err(io_error)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e),
        };
        let state = match &snapshot {
            Some(s) => serde_json::from_slice(&s.data).map_err(io_error)?,
            None => AppliedState::default(),
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
                let bytes = serde_json::to_vec(&snapshot).map_err(io_error)?;
                write_atomically(&dir.join(SNAPSHOT_FILE), &bytes).map_err(io_error)?;
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
        {
            let mut state = self.shared.state.write().unwrap_or_else(|e| e.into_inner());
            for entry in entries {
                state.last_applied = Some(entry.log_id);
                responses.push(match entry.payload {
                    EntryPayload::Blank => MetaResponse::Applied,
                    EntryPayload::Normal(command) => state.cluster.apply(&command),
                    EntryPayload::Membership(membership) => {
                        state.membership = StoredMembership::new(Some(entry.log_id), membership);
                        MetaResponse::Applied
                    }
                });
            }
        }
        self.shared.version.send_modify(|v| *v += 1);
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
