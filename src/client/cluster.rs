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
    /// "controller", "voter" or "unknown".
    pub role: String,
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
    pub replicas: Vec<u64>,
    pub isr: Vec<u64>,
}

impl PartitionPlacement {
    /// Fewer in-sync replicas than replicas.
    pub fn under_replicated(&self) -> bool {
        self.isr.len() < self.replicas.len()
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
