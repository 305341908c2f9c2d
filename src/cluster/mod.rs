//! Clusters: the metadata quorum (one openraft group), membership and liveness.
//!
//! - [`state`]: the replicated metadata (brokers, topics, partition assignments, leader epochs,
//!   ISRs, group coordinators and committed offsets) and the commands that change it, applied
//!   deterministically in log order.
//! - [`log_store`]: the Raft log, in memory or in a crash-safe file.
//! - [`state_machine`]: the state machine openraft drives and its snapshots.
//! - [`network`]: Raft's RPCs to peers over gRPC (`ClusterPeer` on `--cluster-listen`).
//! - [`replication`]: [`replication::ReplicaManager`] puts this broker's partitions in the
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
pub mod network;
pub mod node;
pub mod replication;
pub mod state;
pub mod state_machine;

use std::io::Cursor;

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
