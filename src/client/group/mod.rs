//! Consumer groups from the client side, one concept per file: the plain types callers see
//! (here), the Groups calls on one broker (`rpc`), a group's coordinator found and followed in
//! a cluster (`cluster`), and [`GroupMember`], a member that joins, heartbeats in the
//! background, follows rebalances and commits (`member`).
//!
//! Proto types stop here; callers see the plain types below.

use crate::wire::v1 as pb;

mod cluster;
mod member;
mod rpc;

pub use cluster::is_not_coordinator;
pub use member::{GroupMember, must_rejoin};

/// How often a member heartbeats when the broker gave no interval.
const DEFAULT_HEARTBEAT_INTERVAL_MS: u64 = 1_000;

/// The broker that coordinates a group in a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinatorInfo {
    pub id: u64,
    /// Where clients reach it (a URL).
    pub address: String,
}

pub use crate::protocol::TopicPartition;

/// What a join gave a member: its id, the generation and its partitions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupAssignment {
    pub member_id: String,
    pub generation: u64,
    pub partitions: Vec<TopicPartition>,
    pub session_timeout_ms: u32,
    pub heartbeat_interval_ms: u32,
    pub assignor: String,
}

/// How a member joins; `None` fields take the broker's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JoinOptions {
    /// Prefixes the member id the broker assigns.
    pub client_id: Option<String>,
    pub session_timeout_ms: Option<u32>,
    pub rebalance_timeout_ms: Option<u32>,
    /// "range" or "roundrobin".
    pub assignor: Option<String>,
}

/// One offset to commit: the next offset to read in a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetToCommit {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
}

/// A committed offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedOffset {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
    pub commit_timestamp_ms: i64,
}

/// One group in a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub group: String,
    pub state: String,
    pub generation: u64,
    /// Empty for a group without members.
    pub assignor: String,
    pub members: u32,
}

/// One member of a described group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMemberInfo {
    pub member_id: String,
    pub client_id: String,
    pub topics: Vec<String>,
    pub assignment: Vec<TopicPartition>,
    pub session_timeout_ms: u32,
}

/// One partition of a described group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupPartitionInfo {
    pub topic: String,
    pub partition: u32,
    pub committed_offset: Option<u64>,
    pub commit_timestamp_ms: Option<i64>,
    pub log_end_offset: Option<u64>,
    pub lag: Option<u64>,
    /// The member owning the partition now, if any.
    pub member_id: Option<String>,
}

/// A described group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub group: String,
    pub state: String,
    pub generation: u64,
    pub assignor: String,
    pub members: Vec<GroupMemberInfo>,
    pub partitions: Vec<GroupPartitionInfo>,
}

/// Where reset-offsets moves offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetTo {
    Earliest,
    Latest,
    Offset(u64),
    /// ms since the Unix epoch.
    Timestamp(i64),
    ShiftBy(i64),
}

/// One partition of a reset plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetResetPlan {
    pub topic: String,
    pub partition: u32,
    pub current_offset: Option<u64>,
    pub new_offset: u64,
}

fn partition_from_wire(tp: pb::TopicPartition) -> TopicPartition {
    TopicPartition {
        topic: tp.topic,
        partition: tp.partition,
    }
}
