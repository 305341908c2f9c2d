//! The cluster's metadata and the commands that change it, applied in Raft log order.
//!
//! Everything here is deterministic: applying the same commands to the same state gives the
//! same state on every broker. Times come inside the commands (stamped by the controller when it
//! proposes them), never from the applying broker's clock.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::storage::LogConfig;

use super::placement::place_partition;
pub use super::placement::{PartitionMove, Reassignment};

/// A broker's id in the cluster (`serve --node-id`).
pub type NodeId = u64;

/// The most replicas a partition may have.
pub const MAX_REPLICATION_FACTOR: u32 = 7;
/// Groups are spread over this many coordinator slots by a hash of their name, and each slot is
/// coordinated by one live broker (Kafka spreads them over its offsets topic's partitions).
pub const GROUP_COORDINATOR_SLOTS: u32 = 16;

/// A registered broker.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerRecord {
    pub id: NodeId,
    /// Where clients reach it (its `--listen` address, as a URL).
    pub address: String,
    /// Where peers reach it (`--cluster-listen`).
    pub cluster_address: String,
    /// Where Kafka clients reach it (HOST:PORT), when it serves them.
    #[serde(default)]
    pub kafka_address: Option<String>,
    /// Bumped on every registration, that is on every start of the broker process.
    pub registration_epoch: u64,
    /// The controller's clock at the broker's last heartbeat (ms since the Unix epoch).
    pub last_heartbeat_ms: i64,
    /// Heartbeats and registrations applied: the controller fences by how long this has not
    /// moved on its own monotonic clock, so no wall-clock jump fences a live broker or spares a
    /// dead one.
    #[serde(default)]
    pub heartbeats: u64,
    /// Set by the controller when heartbeats stopped for longer than the session timeout;
    /// a fenced broker leads nothing and is in no ISR, until it heartbeats again.
    pub fenced: bool,
    /// Being removed (`cluster remove-broker`): its replicas are moving away and no new
    /// partition is placed on it.
    #[serde(default)]
    pub decommissioning: bool,
}

/// One partition's replicas, its leader and its in-sync replicas.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionAssignment {
    pub replicas: Vec<NodeId>,
    /// `None` while no in-sync replica is alive (the partition is offline).
    pub leader: Option<NodeId>,
    /// Bumped on every leadership change.
    pub leader_epoch: u64,
    /// The in-sync replicas; the leader is always one of them.
    pub isr: Vec<NodeId>,
    /// A move in progress (`topic reassign`, `cluster remove-broker`, `cluster rebalance`):
    /// `replicas` holds the target's brokers first, then the ones leaving, until every target
    /// replica is in sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reassignment: Option<Reassignment>,
}

/// A topic as the cluster knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicRecord {
    pub name: String,
    pub replication_factor: u32,
    pub config: LogConfig,
    pub partitions: Vec<PartitionAssignment>,
}

/// Which broker coordinates the groups of one coordinator slot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoordinatorSlot {
    /// `None` while no broker is live.
    pub broker: Option<NodeId>,
    /// Bumped whenever the slot changes hands, so a commit from a former coordinator (one that
    /// has not yet seen the change) is refused.
    pub epoch: u64,
}

/// A committed offset as the metadata keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredOffset {
    pub offset: u64,
    /// The coordinator's clock at the commit (ms since the Unix epoch).
    pub commit_timestamp_ms: i64,
}

/// One group's committed offsets: topic, then partition.
pub type StoredGroupOffsets = BTreeMap<String, BTreeMap<u32, StoredOffset>>;

/// One offset in a [`MetaCommand::CommitOffsets`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetEntry {
    pub topic: String,
    pub partition: u32,
    pub offset: u64,
}

/// Consumer groups as the cluster knows them: who coordinates which, and committed offsets
/// (replicated here so that a group outlives its coordinator). Membership and generations are
/// not replicated: they live on the coordinator, and members join again when it moves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupsState {
    /// [`GROUP_COORDINATOR_SLOTS`] slots once a broker has registered.
    pub coordinators: Vec<CoordinatorSlot>,
    pub offsets: BTreeMap<String, StoredGroupOffsets>,
}

/// The replicated metadata: brokers and topics with their partition assignments, and groups.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterState {
    pub brokers: BTreeMap<NodeId, BrokerRecord>,
    pub topics: BTreeMap<String, TopicRecord>,
    /// Topics deleted and not created again since: brokers delete their local replicas.
    #[serde(default)]
    pub deleted_topics: BTreeSet<String>,
    #[serde(default)]
    pub groups: GroupsState,
    /// The first producer id not yet reserved by any broker (for idempotent producers).
    #[serde(default)]
    pub next_producer_id: i64,
    /// Brokers removed from the cluster (`cluster remove-broker`): their registrations are
    /// refused until one joins again under that id.
    #[serde(default)]
    pub removed_brokers: BTreeSet<NodeId>,
}

/// A change to the metadata: the payload of a Raft log entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetaCommand {
    /// A broker process started: records its addresses and bumps its registration epoch.
    RegisterBroker {
        id: NodeId,
        address: String,
        cluster_address: String,
        /// Where Kafka clients reach it (HOST:PORT); absent in entries from before it existed.
        #[serde(default)]
        kafka_address: Option<String>,
        at_ms: i64,
    },
    /// A broker is alive.
    Heartbeat { id: NodeId, at_ms: i64 },
    /// The controller saw no heartbeat within the session timeout: move leadership and ISR
    /// membership away from the broker.
    FenceBroker { id: NodeId },
    /// Creates a topic, placing its replicas on the live brokers.
    CreateTopic {
        name: String,
        partitions: u32,
        replication_factor: u32,
        config: LogConfig,
    },
    /// Deletes a topic.
    DeleteTopic { name: String },
    /// Replaces a topic's settings (already validated by the proposer); every replica applies
    /// them to its copy.
    UpdateTopicConfig { name: String, config: LogConfig },
    /// Grows a topic to `total` partitions, placing the new ones like a new topic's; a topic
    /// never shrinks.
    CreatePartitions { name: String, total: u32 },
    /// A partition leader changes its ISR (a follower fell behind or caught up); rejected
    /// unless `leader` still leads in `leader_epoch`.
    ChangeIsr {
        topic: String,
        partition: u32,
        leader: NodeId,
        leader_epoch: u64,
        isr: Vec<NodeId>,
    },
    /// A replica found damage in its copy of a partition and leaves the ISR before it drops the
    /// damaged records to copy them back (a replica the controller may elect must hold every
    /// acknowledged record). A leader hands its leadership to another live in-sync replica in a
    /// new epoch; rejected when there is none (nobody else has the records), or when the
    /// partition is no longer in `leader_epoch`.
    LeaveIsr {
        topic: String,
        partition: u32,
        broker: NodeId,
        leader_epoch: u64,
    },
    /// A group's coordinator commits offsets; rejected unless `coordinator` still coordinates
    /// the group's slot in `coordinator_epoch`.
    CommitOffsets {
        group: String,
        coordinator: NodeId,
        coordinator_epoch: u64,
        offsets: Vec<OffsetEntry>,
        at_ms: i64,
    },
    /// A group's coordinator deletes its committed offsets (fenced like a commit).
    DeleteGroupOffsets {
        group: String,
        coordinator: NodeId,
        coordinator_epoch: u64,
    },
    /// A broker reserves `count` producer ids for the idempotent producers it starts: the next
    /// ones no broker has had.
    ReserveProducerIds { count: u64 },
    /// Moves partitions to new replica lists: the new replicas copy the partition as followers
    /// and join the ISR, then the ones leaving drop out (a new leader epoch when the leader
    /// leaves). All or nothing: one bad move rejects the command. The throttle bounds the bytes
    /// per second each receiving broker copies for moves (0: unthrottled).
    ReassignPartitions {
        moves: Vec<PartitionMove>,
        throttle_bytes_per_s: u64,
    },
    /// Gives each partition's leadership to its preferred replica (the first) where that one is
    /// live and in sync and does not lead already; the others are left as they are.
    ElectPreferredLeaders { partitions: Vec<(String, u32)> },
    /// Starts removing a broker: no new partition is placed on it and each of its replicas
    /// moves to the live broker holding the fewest. Rejected, naming the partition, when it
    /// holds a partition's only in-sync copy or the others cannot hold a replication factor.
    DecommissionBroker {
        id: NodeId,
        throttle_bytes_per_s: u64,
    },
    /// Forgets a broker that holds no replica (after `DecommissionBroker` moved them and it left
    /// the Raft voters).
    UnregisterBroker { id: NodeId },
    /// A broker joins (`serve --join`) under an id that may have been removed before: it may
    /// register again.
    AdmitBroker { id: NodeId },
}

impl MetaCommand {
    /// The command with its time set to the controller's clock.
    pub fn stamped(mut self, now_ms: i64) -> MetaCommand {
        match &mut self {
            MetaCommand::RegisterBroker { at_ms, .. } | MetaCommand::Heartbeat { at_ms, .. } => {
                *at_ms = now_ms
            }
            _ => {}
        }
        self
    }
}

/// What applying a command did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum MetaResponse {
    #[default]
    Applied,
    /// A broker registered; its new registration epoch.
    Registered { registration_epoch: u64 },
    /// Producer ids reserved: `first` and the ones after it.
    ProducerIds { first: i64 },
    /// The command was valid Raft-wise but refused by the state (the reason says why).
    Rejected(String),
}

impl ClusterState {
    /// Applies one command.
    pub fn apply(&mut self, command: &MetaCommand) -> MetaResponse {
        match command {
            MetaCommand::RegisterBroker {
                id,
                address,
                cluster_address,
                kafka_address,
                at_ms,
            } => {
                if self.removed_brokers.contains(id) {
                    return MetaResponse::Rejected(format!(
                        "broker {id} was removed from the cluster; it may join again with serve --join"
                    ));
                }
                let broker = self.brokers.entry(*id).or_insert_with(|| BrokerRecord {
                    id: *id,
                    address: String::new(),
                    cluster_address: String::new(),
                    kafka_address: None,
                    registration_epoch: 0,
                    last_heartbeat_ms: 0,
                    heartbeats: 0,
                    fenced: false,
                    decommissioning: false,
                });
                let restarted = broker.registration_epoch > 0;
                broker.address = address.clone();
                broker.cluster_address = cluster_address.clone();
                broker.kafka_address = kafka_address.clone();
                broker.registration_epoch += 1;
                broker.last_heartbeat_ms = *at_ms;
                broker.heartbeats += 1;
                let registration_epoch = broker.registration_epoch;
                // A new process of a known broker: what the old one had acknowledged from memory
                // or a damaged file may be gone, so it leads nothing another in-sync replica can
                // lead and rejoins the ISR only by catching up (Kafka fences the old incarnation
                // the same way).
                if restarted {
                    self.fence(*id);
                }
                self.unfence(*id);
                self.place_coordinators();
                MetaResponse::Registered { registration_epoch }
            }
            MetaCommand::Heartbeat { id, at_ms } => match self.brokers.get_mut(id) {
                Some(broker) => {
                    broker.last_heartbeat_ms = broker.last_heartbeat_ms.max(*at_ms);
                    broker.heartbeats += 1;
                    self.unfence(*id);
                    self.place_coordinators();
                    MetaResponse::Applied
                }
                None => MetaResponse::Rejected(format!("broker {id} is not registered")),
            },
            MetaCommand::FenceBroker { id } => {
                let fenced = self.fence(*id);
                self.place_coordinators();
                fenced
            }
            MetaCommand::CreateTopic {
                name,
                partitions,
                replication_factor,
                config,
            } => self.create_topic(name, *partitions, *replication_factor, *config),
            MetaCommand::DeleteTopic { name } => match self.topics.remove(name) {
                Some(_) => {
                    self.deleted_topics.insert(name.clone());
                    // A topic created later under this name must not inherit the offsets.
                    let offsets = &mut self.groups.offsets;
                    offsets.values_mut().for_each(|group| {
                        group.remove(name);
                    });
                    offsets.retain(|_, group| !group.is_empty());
                    MetaResponse::Applied
                }
                None => MetaResponse::Rejected(format!("topic {name:?} does not exist")),
            },
            MetaCommand::UpdateTopicConfig { name, config } => match self.topics.get_mut(name) {
                Some(topic) => {
                    topic.config = *config;
                    MetaResponse::Applied
                }
                None => MetaResponse::Rejected(format!("topic {name:?} does not exist")),
            },
            MetaCommand::CreatePartitions { name, total } => self.create_partitions(name, *total),
            MetaCommand::ChangeIsr {
                topic,
                partition,
                leader,
                leader_epoch,
                isr,
            } => {
                let Some(assignment) = self
                    .topics
                    .get_mut(topic)
                    .and_then(|t| t.partitions.get_mut(*partition as usize))
                else {
                    return MetaResponse::Rejected(format!("no partition {topic}/{partition}"));
                };
                if assignment.leader != Some(*leader) || assignment.leader_epoch != *leader_epoch {
                    return MetaResponse::Rejected(format!(
                        "{topic}/{partition}: broker {leader} does not lead in epoch {leader_epoch}"
                    ));
                }
                if !isr.contains(leader) || isr.iter().any(|r| !assignment.replicas.contains(r)) {
                    return MetaResponse::Rejected(format!(
                        "{topic}/{partition}: ISR {isr:?} must hold the leader and only replicas"
                    ));
                }
                assignment.isr = isr.clone();
                let live = self.live_brokers();
                if let Some(assignment) = self
                    .topics
                    .get_mut(topic)
                    .and_then(|t| t.partitions.get_mut(*partition as usize))
                {
                    assignment.finish_reassignment(&live);
                }
                MetaResponse::Applied
            }
            MetaCommand::LeaveIsr {
                topic,
                partition,
                broker,
                leader_epoch,
            } => self.leave_isr(topic, *partition, *broker, *leader_epoch),
            MetaCommand::CommitOffsets {
                group,
                coordinator,
                coordinator_epoch,
                offsets,
                at_ms,
            } => {
                if let Err(reason) = self.check_coordinator(group, *coordinator, *coordinator_epoch)
                {
                    return MetaResponse::Rejected(reason);
                }
                let stored = self.groups.offsets.entry(group.clone()).or_default();
                for entry in offsets {
                    stored.entry(entry.topic.clone()).or_default().insert(
                        entry.partition,
                        StoredOffset {
                            offset: entry.offset,
                            commit_timestamp_ms: *at_ms,
                        },
                    );
                }
                MetaResponse::Applied
            }
            MetaCommand::DeleteGroupOffsets {
                group,
                coordinator,
                coordinator_epoch,
            } => {
                if let Err(reason) = self.check_coordinator(group, *coordinator, *coordinator_epoch)
                {
                    return MetaResponse::Rejected(reason);
                }
                match self.groups.offsets.remove(group) {
                    Some(_) => MetaResponse::Applied,
                    None => MetaResponse::Rejected(format!("group {group:?} has no offsets")),
                }
            }
            MetaCommand::ReserveProducerIds { count } => {
                let first = self.next_producer_id;
                self.next_producer_id = first.saturating_add(*count as i64);
                MetaResponse::ProducerIds { first }
            }
            MetaCommand::ReassignPartitions {
                moves,
                throttle_bytes_per_s,
            } => self.reassign(moves, *throttle_bytes_per_s),
            MetaCommand::ElectPreferredLeaders { partitions } => {
                self.elect_preferred_leaders(partitions)
            }
            MetaCommand::DecommissionBroker {
                id,
                throttle_bytes_per_s,
            } => self.decommission(*id, *throttle_bytes_per_s),
            MetaCommand::UnregisterBroker { id } => self.unregister(*id),
            MetaCommand::AdmitBroker { id } => {
                self.removed_brokers.remove(id);
                MetaResponse::Applied
            }
        }
    }

    /// The coordinator slot of a group: a hash of its name, as Kafka picks its offsets partition.
    pub fn coordinator_slot(group: &str) -> u32 {
        crate::protocol::partitioner::partition_for_key(group.as_bytes(), GROUP_COORDINATOR_SLOTS)
    }

    /// Who coordinates `group`, and in which epoch; `None` before any broker registered.
    pub fn coordinator_of(&self, group: &str) -> Option<&CoordinatorSlot> {
        self.groups
            .coordinators
            .get(Self::coordinator_slot(group) as usize)
    }

    fn check_coordinator(&self, group: &str, broker: NodeId, epoch: u64) -> Result<(), String> {
        match self.coordinator_of(group) {
            Some(slot) if slot.broker == Some(broker) && slot.epoch == epoch => Ok(()),
            _ => Err(format!(
                "broker {broker} does not coordinate group {group:?} in epoch {epoch}"
            )),
        }
    }

    /// Gives every coordinator slot a live broker: its preferred broker (slots spread round-robin
    /// over the registered brokers by id) when that one is live, else the next live one after it.
    /// A returning broker takes its slots back, so coordinators stay spread.
    pub(super) fn place_coordinators(&mut self) {
        let registered: Vec<NodeId> = self.brokers.keys().copied().collect();
        if registered.is_empty() {
            return;
        }
        let slots = &mut self.groups.coordinators;
        slots.resize(GROUP_COORDINATOR_SLOTS as usize, CoordinatorSlot::default());
        for (index, slot) in slots.iter_mut().enumerate() {
            let owner = (0..registered.len())
                .map(|step| registered[(index + step) % registered.len()])
                .find(|id| self.brokers.get(id).is_some_and(|b| !b.fenced));
            if slot.broker != owner {
                slot.broker = owner;
                slot.epoch += 1;
            }
        }
    }

    /// Brokers heartbeating (not fenced): those that may lead and be in sync.
    pub(super) fn live_brokers(&self) -> Vec<NodeId> {
        self.brokers
            .values()
            .filter(|b| !b.fenced)
            .map(|b| b.id)
            .collect()
    }

    /// Live brokers that are staying: those new replicas are placed on.
    pub(super) fn placement_brokers(&self) -> Vec<NodeId> {
        self.brokers
            .values()
            .filter(|b| !b.fenced && !b.decommissioning)
            .map(|b| b.id)
            .collect()
    }

    fn create_topic(
        &mut self,
        name: &str,
        partitions: u32,
        replication_factor: u32,
        config: LogConfig,
    ) -> MetaResponse {
        if self.topics.contains_key(name) {
            return MetaResponse::Rejected(format!("topic {name:?} already exists"));
        }
        let live = self.placement_brokers();
        if replication_factor == 0 || replication_factor > MAX_REPLICATION_FACTOR {
            return MetaResponse::Rejected(format!(
                "replication factor must be between 1 and {MAX_REPLICATION_FACTOR}, got {replication_factor}"
            ));
        }
        if replication_factor as usize > live.len() {
            return MetaResponse::Rejected(format!(
                "replication factor {replication_factor} is more than the {} live brokers",
                live.len()
            ));
        }
        // Spread leaders: each topic starts at the next broker, each partition one further on.
        let start = self.topics.len();
        let partitions = (0..partitions as usize)
            .map(|p| place_partition(&live, start + p, replication_factor))
            .collect();
        self.deleted_topics.remove(name);
        self.topics.insert(
            name.to_string(),
            TopicRecord {
                name: name.to_string(),
                replication_factor,
                config,
                partitions,
            },
        );
        MetaResponse::Applied
    }

    fn create_partitions(&mut self, name: &str, total: u32) -> MetaResponse {
        let live = self.placement_brokers();
        let Some(topic) = self.topics.get_mut(name) else {
            return MetaResponse::Rejected(format!("topic {name:?} does not exist"));
        };
        let current = topic.partitions.len() as u32;
        if total <= current {
            return MetaResponse::Rejected(format!(
                "topic {name:?} has {current} partitions; a topic can only grow, so ask for more than {current}"
            ));
        }
        if topic.replication_factor as usize > live.len() {
            return MetaResponse::Rejected(format!(
                "replication factor {} is more than the {} live brokers",
                topic.replication_factor,
                live.len()
            ));
        }
        for p in current..total {
            let placed = place_partition(&live, p as usize, topic.replication_factor);
            topic.partitions.push(placed);
        }
        MetaResponse::Applied
    }

    /// Removes a broker from every ISR it can leave and moves its leaderships to another
    /// in-sync replica (a new leader epoch); with no live ISR member left the partition is
    /// offline, keeping the broker as its last ISR member so it can lead again when it returns.
    fn fence(&mut self, id: NodeId) -> MetaResponse {
        let Some(broker) = self.brokers.get_mut(&id) else {
            return MetaResponse::Rejected(format!("broker {id} is not registered"));
        };
        broker.fenced = true;
        let live = self.live_brokers();
        for topic in self.topics.values_mut() {
            for assignment in &mut topic.partitions {
                if assignment.isr.contains(&id) && assignment.isr.len() > 1 {
                    assignment.isr.retain(|r| *r != id);
                }
                if assignment.leader == Some(id) {
                    assignment.leader = assignment
                        .isr
                        .iter()
                        .copied()
                        .find(|r| *r != id && live.contains(r));
                    assignment.leader_epoch += 1;
                }
            }
        }
        MetaResponse::Applied
    }

    /// See [`MetaCommand::LeaveIsr`].
    fn leave_isr(
        &mut self,
        topic: &str,
        partition: u32,
        broker: NodeId,
        leader_epoch: u64,
    ) -> MetaResponse {
        let live = self.live_brokers();
        let Some(assignment) = self
            .topics
            .get_mut(topic)
            .and_then(|t| t.partitions.get_mut(partition as usize))
        else {
            return MetaResponse::Rejected(format!("no partition {topic}/{partition}"));
        };
        if assignment.leader_epoch != leader_epoch {
            return MetaResponse::Rejected(format!(
                "{topic}/{partition} is in leader epoch {}, not {leader_epoch}",
                assignment.leader_epoch
            ));
        }
        if !assignment.isr.contains(&broker) {
            return MetaResponse::Applied;
        }
        let successor = assignment
            .isr
            .iter()
            .copied()
            .find(|r| *r != broker && live.contains(r));
        if assignment.leader == Some(broker) {
            let Some(successor) = successor else {
                return MetaResponse::Rejected(format!(
                    "{topic}/{partition}: no other live in-sync replica can lead (ISR {:?})",
                    assignment.isr
                ));
            };
            assignment.leader = Some(successor);
            assignment.leader_epoch += 1;
        } else if assignment.isr.len() == 1 {
            return MetaResponse::Rejected(format!(
                "{topic}/{partition}: broker {broker} is its last in-sync replica"
            ));
        }
        assignment.isr.retain(|r| *r != broker);
        MetaResponse::Applied
    }

    /// A broker that heartbeats again is live; offline partitions whose ISR holds it get it as
    /// their leader.
    fn unfence(&mut self, id: NodeId) {
        let Some(broker) = self.brokers.get_mut(&id) else {
            return;
        };
        broker.fenced = false;
        for topic in self.topics.values_mut() {
            for assignment in &mut topic.partitions {
                if assignment.leader.is_none() && assignment.isr.contains(&id) {
                    assignment.leader = Some(id);
                    assignment.leader_epoch += 1;
                }
            }
        }
    }

    /// A topic's partition assignment.
    pub fn assignment(&self, topic: &str, partition: u32) -> Option<&PartitionAssignment> {
        self.topics
            .get(topic)
            .and_then(|t| t.partitions.get(partition as usize))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn register(state: &mut ClusterState, id: NodeId) {
        let applied = state.apply(&MetaCommand::RegisterBroker {
            id,
            address: format!("http://127.0.0.1:{}", 50050 + id),
            cluster_address: format!("127.0.0.1:{}", 50060 + id),
            kafka_address: None,
            at_ms: 1,
        });
        assert!(matches!(applied, MetaResponse::Registered { .. }));
    }

    fn three_brokers_one_topic() -> ClusterState {
        let mut state = ClusterState::default();
        for id in 1..=3 {
            register(&mut state, id);
        }
        let created = state.apply(&MetaCommand::CreateTopic {
            name: "t".into(),
            partitions: 3,
            replication_factor: 3,
            config: LogConfig::default(),
        });
        assert_eq!(created, MetaResponse::Applied);
        state
    }

    #[test]
    fn placement_spreads_leaders_and_keeps_every_replica_in_sync() {
        let state = three_brokers_one_topic();
        let topic = &state.topics["t"];
        let leaders: Vec<_> = topic.partitions.iter().map(|p| p.leader).collect();
        assert_eq!(leaders, vec![Some(1), Some(2), Some(3)]);
        for p in &topic.partitions {
            assert_eq!(p.isr, p.replicas);
            assert_eq!(p.replicas.len(), 3);
        }
    }

    #[test]
    fn a_deleted_topic_is_remembered_until_created_again() {
        let mut state = three_brokers_one_topic();
        assert_eq!(
            state.apply(&MetaCommand::DeleteTopic { name: "t".into() }),
            MetaResponse::Applied
        );
        assert!(state.deleted_topics.contains("t") && !state.topics.contains_key("t"));
        state.apply(&MetaCommand::CreateTopic {
            name: "t".into(),
            partitions: 1,
            replication_factor: 1,
            config: LogConfig::default(),
        });
        assert!(!state.deleted_topics.contains("t"));
    }

    #[test]
    fn replication_factor_beyond_live_brokers_is_rejected() {
        let mut state = three_brokers_one_topic();
        let refused = state.apply(&MetaCommand::CreateTopic {
            name: "u".into(),
            partitions: 1,
            replication_factor: 4,
            config: LogConfig::default(),
        });
        assert!(matches!(refused, MetaResponse::Rejected(_)));
        assert!(!state.topics.contains_key("u"));
    }

    #[test]
    fn fencing_moves_leadership_within_the_isr_and_bumps_the_epoch() {
        let mut state = three_brokers_one_topic();
        state.apply(&MetaCommand::FenceBroker { id: 1 });
        let p0 = state.assignment("t", 0).unwrap();
        assert_eq!(p0.leader, Some(2));
        assert_eq!(p0.leader_epoch, 1);
        assert_eq!(p0.isr, vec![2, 3]);
        // A partition 1 did not lead keeps its leader and epoch, losing 1 from its ISR.
        let p1 = state.assignment("t", 1).unwrap();
        assert_eq!((p1.leader, p1.leader_epoch), (Some(2), 0));
        assert!(!p1.isr.contains(&1));
    }

    /// A broker that restarts before its session lapsed may have lost what its old process had
    /// (unsynced writes, a damaged segment cut at recovery): it must not lead in the epoch the
    /// old process led, where followers would truncate to its shorter log.
    #[test]
    fn a_restarted_broker_leads_nothing_another_isr_member_can_and_leaves_the_isr() {
        let mut state = three_brokers_one_topic();
        register(&mut state, 1);
        let p0 = state.assignment("t", 0).unwrap();
        assert_eq!((p0.leader, p0.leader_epoch), (Some(2), 1));
        assert_eq!(p0.isr, vec![2, 3]);
        assert!(!state.brokers[&1].fenced);
        // The last in-sync replica standing leads again when it restarts: nobody else can.
        for id in [2, 3] {
            state.apply(&MetaCommand::FenceBroker { id });
        }
        let p0 = state.assignment("t", 0).unwrap().clone();
        assert_eq!((p0.leader, p0.isr.clone()), (None, vec![3]));
        register(&mut state, 3);
        assert_eq!(state.assignment("t", 0).unwrap().leader, Some(3));
    }

    #[test]
    fn a_partition_with_no_live_isr_goes_offline_and_returns_with_its_last_replica() {
        let mut state = three_brokers_one_topic();
        for id in [1, 2, 3] {
            state.apply(&MetaCommand::FenceBroker { id });
        }
        let p0 = state.assignment("t", 0).unwrap().clone();
        assert_eq!(p0.leader, None);
        assert_eq!(p0.isr, vec![3]);
        state.apply(&MetaCommand::Heartbeat { id: 3, at_ms: 5 });
        let p0 = state.assignment("t", 0).unwrap();
        assert_eq!(p0.leader, Some(3));
        assert_eq!(p0.leader_epoch, 4);
    }

    #[test]
    fn isr_changes_from_a_stale_leader_are_rejected() {
        let mut state = three_brokers_one_topic();
        state.apply(&MetaCommand::FenceBroker { id: 1 });
        let stale = state.apply(&MetaCommand::ChangeIsr {
            topic: "t".into(),
            partition: 0,
            leader: 1,
            leader_epoch: 0,
            isr: vec![1],
        });
        assert!(matches!(stale, MetaResponse::Rejected(_)));
        let current = state.apply(&MetaCommand::ChangeIsr {
            topic: "t".into(),
            partition: 0,
            leader: 2,
            leader_epoch: 1,
            isr: vec![2, 3, 1],
        });
        assert_eq!(current, MetaResponse::Applied);
    }

    #[test]
    fn a_damaged_replica_leaves_the_isr_and_a_damaged_leader_hands_over_to_an_in_sync_peer() {
        let mut state = three_brokers_one_topic();
        let leave = |state: &mut ClusterState, broker, leader_epoch| {
            state.apply(&MetaCommand::LeaveIsr {
                topic: "t".into(),
                partition: 0,
                broker,
                leader_epoch,
            })
        };
        let assignment = |state: &ClusterState| state.assignment("t", 0).unwrap().clone();
        let leader = assignment(&state).leader.unwrap();
        let followers: Vec<NodeId> = (1..=3).filter(|b| *b != leader).collect();
        // A follower leaves; the leadership stays as it is.
        assert_eq!(leave(&mut state, followers[0], 0), MetaResponse::Applied);
        let after = assignment(&state);
        assert_eq!((after.leader, after.leader_epoch), (Some(leader), 0));
        assert!(!after.isr.contains(&followers[0]));
        // The leader hands over to the one in-sync peer left, in a new epoch.
        assert_eq!(leave(&mut state, leader, 0), MetaResponse::Applied);
        let after = assignment(&state);
        assert_eq!((after.leader, after.leader_epoch), (Some(followers[1]), 1));
        assert_eq!(after.isr, vec![followers[1]]);
        // A stale epoch, and the last in-sync replica, are refused.
        assert!(matches!(
            leave(&mut state, followers[1], 0),
            MetaResponse::Rejected(_)
        ));
        assert!(matches!(
            leave(&mut state, followers[1], 1),
            MetaResponse::Rejected(_)
        ));
        assert_eq!(assignment(&state).leader, Some(followers[1]));
    }

    #[test]
    fn registration_bumps_the_epoch_and_heartbeats_never_go_back_in_time() {
        let mut state = ClusterState::default();
        register(&mut state, 1);
        register(&mut state, 1);
        state.apply(&MetaCommand::Heartbeat { id: 1, at_ms: 10 });
        state.apply(&MetaCommand::Heartbeat { id: 1, at_ms: 5 });
        let broker = &state.brokers[&1];
        assert_eq!(broker.registration_epoch, 2);
        assert_eq!(broker.last_heartbeat_ms, 10);
        assert!(matches!(
            state.apply(&MetaCommand::Heartbeat { id: 9, at_ms: 1 }),
            MetaResponse::Rejected(_)
        ));
    }

    fn commit(state: &mut ClusterState, group: &str, offset: u64) -> MetaResponse {
        let slot = state.coordinator_of(group).cloned().unwrap_or_default();
        state.apply(&MetaCommand::CommitOffsets {
            group: group.into(),
            coordinator: slot.broker.unwrap_or(0),
            coordinator_epoch: slot.epoch,
            offsets: vec![OffsetEntry {
                topic: "t".into(),
                partition: 0,
                offset,
            }],
            at_ms: 7,
        })
    }

    #[test]
    fn coordinator_slots_spread_over_live_brokers_and_follow_fencing() {
        let mut state = three_brokers_one_topic();
        let owners = |s: &ClusterState| -> Vec<Option<NodeId>> {
            s.groups.coordinators.iter().map(|c| c.broker).collect()
        };
        let spread = owners(&state);
        let epochs: Vec<u64> = state.groups.coordinators.iter().map(|c| c.epoch).collect();
        assert_eq!(spread.len(), GROUP_COORDINATOR_SLOTS as usize);
        for id in 1..=3 {
            assert!(spread.iter().filter(|o| **o == Some(id)).count() >= 5);
        }
        state.apply(&MetaCommand::FenceBroker { id: 2 });
        let moved = owners(&state);
        assert!(!moved.contains(&Some(2)));
        for (slot, (before, after)) in spread.iter().zip(&moved).enumerate() {
            if *before != Some(2) {
                assert_eq!(before, after, "slot {slot} moved without cause");
            } else {
                assert_eq!(state.groups.coordinators[slot].epoch, epochs[slot] + 1);
            }
        }
        // Back: it takes its slots again, in yet another epoch.
        state.apply(&MetaCommand::Heartbeat { id: 2, at_ms: 9 });
        assert_eq!(owners(&state), spread);
    }

    #[test]
    fn offsets_are_committed_only_by_the_current_coordinator() {
        let mut state = three_brokers_one_topic();
        assert_eq!(commit(&mut state, "g", 5), MetaResponse::Applied);
        assert_eq!(
            state.groups.offsets["g"]["t"][&0],
            StoredOffset {
                offset: 5,
                commit_timestamp_ms: 7
            }
        );
        let old = state.coordinator_of("g").cloned().unwrap();
        let old_id = old.broker.unwrap();
        state.apply(&MetaCommand::FenceBroker { id: old_id });
        let stale = state.apply(&MetaCommand::CommitOffsets {
            group: "g".into(),
            coordinator: old_id,
            coordinator_epoch: old.epoch,
            offsets: vec![],
            at_ms: 8,
        });
        assert!(matches!(stale, MetaResponse::Rejected(_)));
        // The new coordinator sees the offsets committed through the old one.
        assert_ne!(state.coordinator_of("g").unwrap().broker, Some(old_id));
        assert_eq!(commit(&mut state, "g", 6), MetaResponse::Applied);
        assert_eq!(state.groups.offsets["g"]["t"][&0].offset, 6);
    }

    #[test]
    fn deleting_a_topic_or_a_group_removes_their_offsets() {
        let mut state = three_brokers_one_topic();
        commit(&mut state, "g", 1);
        commit(&mut state, "h", 2);
        let slot = state.coordinator_of("h").cloned().unwrap();
        let delete_h = MetaCommand::DeleteGroupOffsets {
            group: "h".into(),
            coordinator: slot.broker.unwrap(),
            coordinator_epoch: slot.epoch,
        };
        assert_eq!(state.apply(&delete_h), MetaResponse::Applied);
        assert!(matches!(state.apply(&delete_h), MetaResponse::Rejected(_)));
        state.apply(&MetaCommand::DeleteTopic { name: "t".into() });
        assert!(state.groups.offsets.is_empty());
    }

    #[test]
    fn producer_id_reservations_never_overlap() {
        let mut state = ClusterState::default();
        let reserve = MetaCommand::ReserveProducerIds { count: 1000 };
        assert_eq!(
            state.apply(&reserve),
            MetaResponse::ProducerIds { first: 0 }
        );
        assert_eq!(
            state.apply(&reserve),
            MetaResponse::ProducerIds { first: 1000 }
        );
    }

    #[test]
    fn a_topic_grows_with_placed_partitions_and_takes_new_settings() {
        let mut state = three_brokers_one_topic();
        let grow = |total| MetaCommand::CreatePartitions {
            name: "t".into(),
            total,
        };
        assert_eq!(state.apply(&grow(5)), MetaResponse::Applied);
        let topic = &state.topics["t"];
        assert_eq!(topic.partitions.len(), 5);
        for p in &topic.partitions[3..] {
            assert_eq!((p.replicas.len(), p.leader_epoch), (3, 0));
            assert_eq!(p.isr, p.replicas);
        }
        assert!(matches!(state.apply(&grow(5)), MetaResponse::Rejected(_)));
        let config = LogConfig {
            retention_ms: Some(1_000),
            ..LogConfig::default()
        };
        let update = MetaCommand::UpdateTopicConfig {
            name: "t".into(),
            config,
        };
        assert_eq!(state.apply(&update), MetaResponse::Applied);
        assert_eq!(state.topics["t"].config, config);
    }
}
