//! Clusters: the metadata quorum (one openraft group), membership and liveness.
//!
//! - [`state`]: the replicated metadata (brokers, topics, partition assignments, leader epochs,
//!   ISRs, group coordinators and committed offsets) and the commands that change it, applied
//!   deterministically in log order.
//! - [`placement`]: where replicas and leaderships go: new partitions, moves (reassignment,
//!   decommission, rebalance) and preferred leaders.
//! - [`membership`]: the quorum's voters and learners, changed on openraft's membership
//!   changes (join, promote, remove).
//! - [`log_store`]: the Raft log and the vote, in memory or in CRC-framed files.
//! - [`state_machine`]: the state machine openraft drives and its snapshots.
//! - [`verify_dir`]: checks those files before a broker joins, so damage keeps it out.
//! - [`network`]: Raft's RPCs to peers over gRPC (`ClusterPeer` on `--cluster-listen`).
//! - [`replication`]: [`replication::Replication`] puts this broker's partitions in the
//!   roles the metadata assigns and runs the followers' fetch loops.
//! - [`groups`]: which groups this broker coordinates, and committed offsets kept in the
//!   metadata so a group outlives its coordinator.
//! - [`node`]: [`ClusterNode`], one broker's membership: starts Raft, forms the cluster,
//!   registers and heartbeats, forwards commands to the controller, fences silent brokers.
//!
//! The consensus is openraft's and only openraft's. This module sits between `server` and
//! `broker`: it may use `broker`, `storage` and the generated `wire` stubs (to call peers);
//! never `server`, `client` or `cli`.

pub mod groups;
pub mod log_store;
pub mod membership;
pub mod network;
pub mod node;
pub mod placement;
pub mod replication;
pub mod state;
pub mod state_machine;

use std::io::Cursor;
use std::path::Path;

pub use node::{ClusterConfig, ClusterError, ClusterNode, RaftStatus};
pub use state::{ClusterState, MetaCommand, MetaResponse, NodeId};
pub use state_machine::MetadataView;

/// A voter as Raft knows it: its cluster address.
pub type MetaNode = openraft::BasicNode;

openraft::declare_raft_types!(
    /// The type configuration of the metadata quorum.
    pub MetaTypeConfig:
        D = MetaCommand,
        R = MetaResponse,
        NodeId = NodeId,
        Node = MetaNode,
        SnapshotData = Cursor<Vec<u8>>,
);

/// A metadata log entry.
pub type MetaEntry = openraft::Entry<MetaTypeConfig>;
/// The metadata quorum's Raft handle.
pub type MetaRaft = openraft::Raft<MetaTypeConfig>;

/// The largest message between peers (Raft batches and snapshots are far smaller).
pub const MAX_PEER_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Reads the Raft log, vote and snapshot kept in `dir` and checks them, changing nothing. Damage
/// before a file's end is [`crate::storage::StorageError::Corrupt`] naming the file and byte
/// position (a torn tail is not damage: opening cuts it). `serve` calls this before
/// [`ClusterNode::start`], which would fail the same way, to tell damage (exit 7) from other
/// trouble: such a broker stays out of the cluster rather than vote with a log that forgot
/// entries it acknowledged.
pub fn verify_dir(dir: &Path) -> crate::storage::Result<()> {
    log_store::verify(dir)?;
    state_machine::verify(dir)
}

/// Parses a file of format 0, which was plain JSON (`vote.json`, `snapshot.json` before they
/// were framed): a parse error is damage at about the byte where the parser stopped.
fn read_legacy_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    bytes: &[u8],
    what: &str,
) -> crate::storage::Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        let line_start = match e.line() {
            0 | 1 => 0,
            line => bytes
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .nth(line - 2)
                .map_or(bytes.len(), |(at, _)| at + 1),
        };
        let position = (line_start + e.column()).min(bytes.len());
        crate::storage::journal::corrupt(
            path,
            position as u64,
            format!("not {what} (format 0, plain JSON): {e}"),
        )
    })
}
