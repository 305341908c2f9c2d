//! Cluster metadata as clients see it: brokers, their liveness, and partition placement.

use std::sync::Arc;

use serde::Serialize;

use crate::wire::v1 as pb;

use super::routed_producer::RoutedProducer;
use super::routing::ClusterRouter;
use super::{Client, ProducedPosition, ProducerRecord, Result};

pub use super::routing::ROUTED_RETRY_MS;
pub use crate::wire::NOT_LEADER_KEY;

/// A broker of the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BrokerInfo {
    pub id: u64,
    pub address: String,
    pub cluster_address: String,
    /// "controller", "voter", "learner" (copies the metadata, does not vote) or "observer".
    pub role: String,
    /// Being removed: its replicas are moving away.
    pub decommissioning: bool,
    pub alive: bool,
    pub fenced: bool,
    /// The controller's clock at the last heartbeat, ms since the Unix epoch.
    pub last_heartbeat_ms: i64,
    pub last_heartbeat_age_ms: u64,
    pub registration_epoch: u64,
}

/// One partition's placement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionPlacement {
    pub topic: String,
    pub partition: u32,
    pub leader: Option<u64>,
    pub leader_epoch: u64,
    /// While moving: the target's brokers first, then the ones leaving.
    pub replicas: Vec<u64>,
    pub isr: Vec<u64>,
    /// Where a move in progress goes; empty when the partition is not moving.
    pub target_replicas: Vec<u64>,
    /// The move's throttle, bytes per second per receiving broker (0: unthrottled).
    pub throttle_bytes_per_s: u64,
}

impl PartitionPlacement {
    /// Fewer in-sync replicas than the partition should have: its replicas, or while it moves,
    /// its target's count (the replicas still copying are extra, not missing).
    pub fn under_replicated(&self) -> bool {
        let wanted = if self.moving() {
            self.target_replicas.len()
        } else {
            self.replicas.len()
        };
        self.isr.len() < wanted
    }

    /// A move is in progress.
    pub fn moving(&self) -> bool {
        !self.target_replicas.is_empty()
    }
}

/// A partition's new replica list, the first its preferred leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct PartitionReplicas {
    pub topic: String,
    pub partition: u32,
    pub replicas: Vec<u64>,
}

/// One partition's move in a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartitionMove {
    pub topic: String,
    pub partition: u32,
    pub current_replicas: Vec<u64>,
    pub target_replicas: Vec<u64>,
}

/// A plan of moves, and whether the broker started it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MovePlan {
    pub moves: Vec<PartitionMove>,
    pub executed: bool,
}

impl From<pb::ReassignPartitionsResponse> for MovePlan {
    fn from(r: pb::ReassignPartitionsResponse) -> Self {
        MovePlan {
            moves: r
                .moves
                .into_iter()
                .map(|m| PartitionMove {
                    topic: m.topic,
                    partition: m.partition,
                    current_replicas: m.current_replicas,
                    target_replicas: m.target_replicas,
                })
                .collect(),
            executed: r.executed,
        }
    }
}

/// One group coordinator slot: the groups that hash to it are coordinated by `broker`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CoordinatorSlotInfo {
    pub slot: u32,
    /// `None` while no broker is live.
    pub broker: Option<u64>,
    pub epoch: u64,
}

/// The cluster as one broker sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterMetadata {
    /// False for a single broker outside any cluster.
    pub clustered: bool,
    /// The broker that answered.
    pub node_id: u64,
    pub controller: Option<u64>,
    pub raft_term: u64,
    pub raft_role: String,
    pub applied_index: u64,
    /// The answering broker has not renewed its session with the controller lately: its view may
    /// be stale (it may still name itself a leader the cluster has replaced).
    pub session_lapsed: bool,
    pub brokers: Vec<BrokerInfo>,
    pub partitions: Vec<PartitionPlacement>,
    pub group_coordinators: Vec<CoordinatorSlotInfo>,
}

impl ClusterMetadata {
    /// What a single broker says: not clustered, no brokers, no placements.
    pub fn single_broker() -> ClusterMetadata {
        pb::MetadataResponse::default().into()
    }

    /// Where the metadata says `partition` of `topic` is led.
    pub fn leader_of(&self, topic: &str, partition: u32) -> LeaderLookup<'_> {
        let Some(placement) = self
            .partitions
            .iter()
            .find(|p| p.topic == topic && p.partition == partition)
        else {
            return LeaderLookup::UnknownPartition;
        };
        placement
            .leader
            .and_then(|id| self.brokers.iter().find(|b| b.id == id))
            .map_or(LeaderLookup::NoLeader, LeaderLookup::Leader)
    }
}

/// A partition's leader as the metadata names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaderLookup<'a> {
    /// The metadata has no such topic or partition.
    UnknownPartition,
    /// The partition is offline, or led by a broker the metadata does not list.
    NoLeader,
    Leader(&'a BrokerInfo),
}

impl From<pb::MetadataResponse> for ClusterMetadata {
    fn from(m: pb::MetadataResponse) -> Self {
        ClusterMetadata {
            clustered: m.clustered,
            node_id: m.node_id,
            controller: m.controller,
            raft_term: m.raft_term,
            raft_role: m.raft_role,
            applied_index: m.applied_index,
            session_lapsed: m.session_lapsed,
            brokers: m
                .brokers
                .into_iter()
                .map(|b| BrokerInfo {
                    id: b.id,
                    address: b.address,
                    cluster_address: b.cluster_address,
                    role: b.role,
                    decommissioning: b.decommissioning,
                    alive: b.alive,
                    fenced: b.fenced,
                    last_heartbeat_ms: b.last_heartbeat_ms,
                    last_heartbeat_age_ms: b.last_heartbeat_age_ms,
                    registration_epoch: b.registration_epoch,
                })
                .collect(),
            partitions: m
                .topics
                .into_iter()
                .flat_map(|t| {
                    let name = t.name;
                    t.partitions.into_iter().map(move |p| PartitionPlacement {
                        topic: name.clone(),
                        partition: p.partition,
                        leader: p.leader,
                        leader_epoch: p.leader_epoch,
                        replicas: p.replicas,
                        isr: p.isr,
                        target_replicas: p.target_replicas,
                        throttle_bytes_per_s: p.throttle_bytes_per_s,
                    })
                })
                .collect(),
            group_coordinators: m
                .group_coordinators
                .into_iter()
                .map(|c| CoordinatorSlotInfo {
                    slot: c.slot,
                    broker: c.broker,
                    epoch: c.epoch,
                })
                .collect(),
        }
    }
}

impl Client {
    /// Produces `records` to their partitions' leaders (partitioned here as the broker would,
    /// `partition` overriding), retrying the partitions whose leader changed for up to
    /// [`ROUTED_RETRY_MS`] with fresh metadata: the way through a failover. A retried request may
    /// have been stored before its answer was lost (at-least-once). One-shot: a caller producing
    /// more than once keeps a [`RoutedProducer`] instead, which keeps the metadata.
    pub async fn produce_routed(
        &self,
        topic: &str,
        partition: Option<u32>,
        mut records: Vec<ProducerRecord>,
    ) -> Result<Vec<ProducedPosition>> {
        if partition.is_some() {
            for record in &mut records {
                record.partition = partition;
            }
        }
        let router = Arc::new(ClusterRouter::new(self.clone()).await?);
        RoutedProducer::new(router, topic).send(records).await
    }

    /// Moves partitions to new replica lists (`flashq topic reassign`); with `dry_run` only
    /// answers the plan.
    pub async fn reassign_partitions(
        &self,
        moves: Vec<PartitionReplicas>,
        throttle_bytes_per_s: u64,
        dry_run: bool,
    ) -> Result<MovePlan> {
        let request = pb::ReassignPartitionsRequest {
            moves: moves
                .into_iter()
                .map(|m| pb::PartitionReplicas {
                    topic: m.topic,
                    partition: m.partition,
                    replicas: m.replicas,
                })
                .collect(),
            throttle_bytes_per_s,
            dry_run,
        };
        let answer = self.cluster.clone().reassign_partitions(request).await?;
        Ok(answer.into_inner().into())
    }

    /// The plan that spreads replicas and preferred leaders evenly; started when `execute`.
    pub async fn rebalance(&self, execute: bool, throttle_bytes_per_s: u64) -> Result<MovePlan> {
        let request = pb::RebalanceRequest {
            execute,
            throttle_bytes_per_s,
        };
        let answer = self.cluster.clone().rebalance(request).await?;
        Ok(answer.into_inner().into())
    }

    /// Makes broker `id`, joined as a learner, a voter.
    pub async fn add_broker(&self, id: u64) -> Result<()> {
        self.cluster
            .clone()
            .add_broker(pb::AddBrokerRequest { id })
            .await?;
        Ok(())
    }

    /// Starts moving every replica off broker `id`; with `dry_run` only answers the moves.
    pub async fn decommission_broker(
        &self,
        id: u64,
        throttle_bytes_per_s: u64,
        dry_run: bool,
    ) -> Result<MovePlan> {
        let request = pb::DecommissionBrokerRequest {
            id,
            throttle_bytes_per_s,
            dry_run,
        };
        let answer = self.cluster.clone().decommission_broker(request).await?;
        Ok(answer.into_inner().into())
    }

    /// Removes broker `id`, which holds no replica any more, from the cluster.
    pub async fn remove_broker(&self, id: u64) -> Result<()> {
        self.cluster
            .clone()
            .remove_broker(pb::RemoveBrokerRequest { id })
            .await?;
        Ok(())
    }

    /// The cluster's metadata as the connected broker sees it.
    pub async fn metadata(&self) -> Result<ClusterMetadata> {
        let response = self
            .cluster
            .clone()
            .metadata(pb::MetadataRequest {})
            .await?
            .into_inner();
        Ok(response.into())
    }
}
