//! Cluster metadata as clients see it: brokers, their liveness, and partition placement.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::wire::v1 as pb;

use super::{Client, ProducedPosition, ProducerRecord, Result};

pub use crate::wire::NOT_LEADER_KEY;
/// How long a routed produce keeps retrying through a leader change.
pub const ROUTED_RETRY_MS: u64 = 15_000;
/// Pause between retries of a routed produce.
const ROUTED_BACKOFF_MS: u64 = 200;

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
    pub brokers: Vec<BrokerInfo>,
    pub partitions: Vec<PartitionPlacement>,
    pub group_coordinators: Vec<CoordinatorSlotInfo>,
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
    /// In a cluster, a client for the leader of every one of `partitions` of `topic` when
    /// they share one (this client itself when it is connected to it); outside a cluster, or
    /// when the partitions have no common leader, this client.
    pub async fn for_leader_of(&self, topic: &str, partitions: &[u32]) -> Result<Client> {
        // A broker that cannot say (an older one) is treated as a single broker.
        let Ok(metadata) = self.metadata().await else {
            return Ok(self.clone());
        };
        if !metadata.clustered {
            return Ok(self.clone());
        }
        let mut leaders = partitions
            .iter()
            .map(|p| metadata.leader_of(topic, *p).map(|b| b.address.clone()));
        let Some(Some(first)) = leaders.next() else {
            return Ok(self.clone());
        };
        if leaders.any(|l| l.as_ref() != Some(&first)) || first == self.address {
            return Ok(self.clone());
        }
        self.target.at(&first).connect().await
    }

    /// Produces to `partition`'s leader (or, without a partition, to the leader all of the
    /// topic's partitions share), retrying for up to [`ROUTED_RETRY_MS`] with fresh metadata
    /// when the broker answers NOT_LEADER or the leader is lost: the way through a failover.
    /// A retried request may have been stored before its answer was lost (at-least-once).
    pub async fn produce_routed(
        &self,
        topic: &str,
        partition: Option<u32>,
        records: Vec<ProducerRecord>,
    ) -> Result<Vec<ProducedPosition>> {
        let deadline = Instant::now() + Duration::from_millis(ROUTED_RETRY_MS);
        let mut brokers = vec![self.address.clone()];
        let mut target = self.clone();
        let mut clustered = true;
        loop {
            let attempt = async {
                let metadata = target.metadata().await?;
                clustered = metadata.clustered;
                if !clustered {
                    return target.produce(topic, records.clone()).await;
                }
                for broker in &metadata.brokers {
                    if !brokers.contains(&broker.address) {
                        brokers.push(broker.address.clone());
                    }
                }
                let partitions: Vec<u32> = match partition {
                    Some(p) => vec![p],
                    None => metadata
                        .partitions
                        .iter()
                        .filter(|p| p.topic == topic)
                        .map(|p| p.partition)
                        .collect(),
                };
                let leader = target.for_leader_of(topic, &partitions).await?;
                leader.produce(topic, records.clone()).await
            };
            let error = match attempt.await {
                Ok(positions) => return Ok(positions),
                Err(e) if e.is_not_leader() || e.is_connection_failure() => e,
                Err(e) => return Err(e),
            };
            if !clustered || Instant::now() >= deadline {
                return Err(error);
            }
            tokio::time::sleep(Duration::from_millis(ROUTED_BACKOFF_MS)).await;
            // Ask the next broker we know of: the one asked last may be the one that died.
            brokers.rotate_left(1);
            if let Ok(next) = self.target.at(&brokers[0]).connect().await {
                target = next;
            }
        }
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
