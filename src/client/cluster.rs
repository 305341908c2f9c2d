//! Cluster metadata as clients see it: brokers, their liveness, and partition placement.

use serde::Serialize;

use crate::wire::v1 as pb;

use super::{Client, Result};

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
    pub brokers: Vec<BrokerInfo>,
    pub partitions: Vec<PartitionPlacement>,
}

impl ClusterMetadata {
    /// The leader of a partition, if the metadata knows one.
    pub fn leader_of(&self, topic: &str, partition: u32) -> Option<&BrokerInfo> {
        let leader = self
            .partitions
            .iter()
            .find(|p| p.topic == topic && p.partition == partition)?
            .leader?;
        self.brokers.iter().find(|b| b.id == leader)
    }
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
        }
    }
}

impl Client {
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
