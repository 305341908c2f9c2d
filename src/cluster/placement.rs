//! Where replicas and leaderships go: a new partition's placement, moves (`topic reassign`,
//! `cluster remove-broker`, `cluster rebalance`) and preferred leaders.
//!
//! A move is Kafka's reassignment: the partition's replica list becomes the target's brokers
//! followed by the ones leaving; the new replicas copy the partition as followers (throttled)
//! and the leader takes each into the ISR once it has caught up; the ISR change that makes
//! every target replica in sync also finishes the move, in the same log entry, dropping the
//! leaving replicas from the list and the ISR (a new leader epoch, led by the first live target
//! replica, when the leader leaves). A replica that leaves held nothing the ISR does not, so no
//! acknowledged record is lost by the move.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::state::{
    ClusterState, MAX_REPLICATION_FACTOR, MetaResponse, NodeId, PartitionAssignment,
};

/// One partition's new replica list, the first its preferred leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionMove {
    pub topic: String,
    pub partition: u32,
    pub replicas: Vec<NodeId>,
}

/// A move in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reassignment {
    /// The replicas the partition moves to, the first its preferred leader.
    pub target: Vec<NodeId>,
    /// The most bytes per second a receiving broker copies for moves; 0 is unthrottled.
    pub throttle_bytes_per_s: u64,
}

/// A new partition's replicas: `replication_factor` brokers of `live` from position `start` on,
/// the first leading in epoch 0, every replica in sync (the partition is empty).
pub(super) fn place_partition(
    live: &[NodeId],
    start: usize,
    replication_factor: u32,
) -> PartitionAssignment {
    let replicas: Vec<NodeId> = (0..replication_factor as usize)
        .map(|i| live[(start + i) % live.len()])
        .collect();
    PartitionAssignment {
        leader: replicas.first().copied(),
        leader_epoch: 0,
        isr: replicas.clone(),
        replicas,
        reassignment: None,
    }
}

impl PartitionAssignment {
    /// The replicas the partition has, or will have once its move finishes.
    pub fn target_replicas(&self) -> &[NodeId] {
        self.reassignment
            .as_ref()
            .map_or(&self.replicas, |r| &r.target)
    }

    /// The replica that should lead: the first of the (target) replica list.
    pub fn preferred_leader(&self) -> Option<NodeId> {
        self.target_replicas().first().copied()
    }

    /// The preferred leader, when it should take the leadership now: it does not lead, and it
    /// is in sync and live.
    fn preferred_leader_waiting(&self, live: &[NodeId]) -> Option<NodeId> {
        self.preferred_leader().filter(|preferred| {
            self.leader != Some(*preferred)
                && self.isr.contains(preferred)
                && live.contains(preferred)
        })
    }

    /// Replicas being added by a move and not yet in sync: they copy under the throttle.
    pub fn catching_up(&self) -> Vec<NodeId> {
        self.reassignment.as_ref().map_or_else(Vec::new, |r| {
            r.target
                .iter()
                .copied()
                .filter(|t| !self.isr.contains(t))
                .collect()
        })
    }

    fn start_reassignment(&mut self, target: Vec<NodeId>, throttle_bytes_per_s: u64) {
        let leaving: Vec<NodeId> = self
            .replicas
            .iter()
            .copied()
            .filter(|r| !target.contains(r))
            .collect();
        self.replicas = target.iter().copied().chain(leaving).collect();
        self.reassignment = Some(Reassignment {
            target,
            throttle_bytes_per_s,
        });
    }

    /// Finishes the move once every target replica is in sync and one of them is live to lead.
    pub(super) fn finish_reassignment(&mut self, live: &[NodeId]) {
        let Some(reassignment) = &self.reassignment else {
            return;
        };
        let target = reassignment.target.clone();
        if !target.iter().all(|t| self.isr.contains(t)) {
            return;
        }
        let leader_leaves = self.leader.is_some_and(|l| !target.contains(&l));
        let successor = target.iter().copied().find(|t| live.contains(t));
        if leader_leaves && successor.is_none() {
            return;
        }
        self.isr.retain(|r| target.contains(r));
        self.replicas = target;
        self.reassignment = None;
        if leader_leaves {
            self.leader = successor;
            self.leader_epoch += 1;
        }
    }
}

impl ClusterState {
    /// See [`super::state::MetaCommand::ReassignPartitions`].
    pub(super) fn reassign(
        &mut self,
        moves: &[PartitionMove],
        throttle_bytes_per_s: u64,
    ) -> MetaResponse {
        if let Err(reason) = self.check_moves(moves) {
            return MetaResponse::Rejected(reason);
        }
        let live = self.live_brokers();
        for one in moves {
            if let Some(assignment) = self
                .topics
                .get_mut(&one.topic)
                .and_then(|t| t.partitions.get_mut(one.partition as usize))
            {
                if assignment.reassignment.is_none() && assignment.replicas == one.replicas {
                    continue;
                }
                assignment.start_reassignment(one.replicas.clone(), throttle_bytes_per_s);
                assignment.finish_reassignment(&live);
            }
        }
        MetaResponse::Applied
    }

    /// Why `moves` cannot be carried out, if they cannot: a partition that does not exist or
    /// is named twice, a replica list of the wrong size or naming a broker twice, a broker that
    /// is not in the cluster or is being removed.
    pub fn check_moves(&self, moves: &[PartitionMove]) -> Result<(), String> {
        let mut seen = BTreeSet::new();
        for one in moves {
            if !seen.insert((&one.topic, one.partition)) {
                return Err(format!(
                    "{}/{} is moved twice in one plan",
                    one.topic, one.partition
                ));
            }
            self.check_move(one)?;
        }
        Ok(())
    }

    fn check_move(&self, one: &PartitionMove) -> Result<(), String> {
        let name = format!("{}/{}", one.topic, one.partition);
        if self.assignment(&one.topic, one.partition).is_none() {
            return Err(format!("no partition {name}"));
        }
        let count = one.replicas.len();
        if count == 0 || count > MAX_REPLICATION_FACTOR as usize {
            return Err(format!(
                "{name}: a partition has between 1 and {MAX_REPLICATION_FACTOR} replicas, got {count}"
            ));
        }
        let distinct: BTreeSet<&NodeId> = one.replicas.iter().collect();
        if distinct.len() != count {
            return Err(format!(
                "{name}: replicas {:?} name a broker twice",
                one.replicas
            ));
        }
        for id in &one.replicas {
            match self.brokers.get(id) {
                None => return Err(format!("{name}: broker {id} is not in the cluster")),
                Some(b) if b.decommissioning => {
                    return Err(format!("{name}: broker {id} is being removed"));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// See [`super::state::MetaCommand::ElectPreferredLeaders`].
    pub(super) fn elect_preferred_leaders(&mut self, partitions: &[(String, u32)]) -> MetaResponse {
        let live = self.live_brokers();
        for (topic, partition) in partitions {
            let Some(assignment) = self
                .topics
                .get_mut(topic)
                .and_then(|t| t.partitions.get_mut(*partition as usize))
            else {
                continue;
            };
            if let Some(preferred) = assignment.preferred_leader_waiting(&live) {
                assignment.leader = Some(preferred);
                assignment.leader_epoch += 1;
            }
        }
        MetaResponse::Applied
    }

    /// Partitions led by another replica than their preferred one while the preferred one is
    /// live and in sync: what [`ClusterState::elect_preferred_leaders`] would move.
    pub fn preferred_leader_candidates(&self) -> Vec<(String, u32)> {
        let live = self.live_brokers();
        let mut candidates = Vec::new();
        for topic in self.topics.values() {
            for (index, assignment) in topic.partitions.iter().enumerate() {
                if assignment.preferred_leader_waiting(&live).is_some() {
                    candidates.push((topic.name.clone(), index as u32));
                }
            }
        }
        candidates
    }

    /// See [`super::state::MetaCommand::DecommissionBroker`].
    pub(super) fn decommission(&mut self, id: NodeId, throttle_bytes_per_s: u64) -> MetaResponse {
        let moves = match self.decommission_moves(id) {
            Ok(moves) => moves,
            Err(reason) => return MetaResponse::Rejected(reason),
        };
        if let Some(broker) = self.brokers.get_mut(&id) {
            broker.decommissioning = true;
        }
        self.reassign(&moves, throttle_bytes_per_s)
    }

    /// The moves that take every replica off broker `id`, each to the staying broker with the
    /// fewest replicas (its position in the list kept); an error naming the partition when `id`
    /// holds its only in-sync copy or no other broker can take the replica.
    pub fn decommission_moves(&self, id: NodeId) -> Result<Vec<PartitionMove>, String> {
        // Removed already (a retry of a removal that went through): nothing left to move.
        if !self.brokers.contains_key(&id) && self.removed_brokers.contains(&id) {
            return Ok(Vec::new());
        }
        if !self.brokers.contains_key(&id) {
            return Err(format!("broker {id} is not in the cluster"));
        }
        let staying: Vec<NodeId> = self
            .placement_brokers()
            .into_iter()
            .filter(|b| *b != id)
            .collect();
        let mut load = self.replica_counts(&staying);
        let mut moves = Vec::new();
        for topic in self.topics.values() {
            for (index, assignment) in topic.partitions.iter().enumerate() {
                let name = format!("{}/{index}", topic.name);
                let target = assignment.target_replicas();
                let Some(position) = target.iter().position(|r| *r == id) else {
                    continue;
                };
                if assignment.isr == [id] {
                    return Err(format!(
                        "{name}: broker {id} holds the only in-sync copy (ISR [{id}]); removing it would lose the partition's records; bring another replica in sync first"
                    ));
                }
                let Some(replacement) = staying
                    .iter()
                    .copied()
                    .filter(|b| !target.contains(b))
                    .min_by_key(|b| (load.get(b).copied().unwrap_or(0), *b))
                else {
                    return Err(format!(
                        "{name}: it has {} replicas and without broker {id} only {} live brokers can hold them",
                        target.len(),
                        staying.len()
                    ));
                };
                *load.entry(replacement).or_default() += 1;
                let mut replicas = target.to_vec();
                replicas[position] = replacement;
                moves.push(PartitionMove {
                    topic: topic.name.clone(),
                    partition: index as u32,
                    replicas,
                });
            }
        }
        Ok(moves)
    }

    /// Replicas (targets of moves counted) per broker of `brokers`.
    fn replica_counts(&self, brokers: &[NodeId]) -> BTreeMap<NodeId, usize> {
        let mut load: BTreeMap<NodeId, usize> = brokers.iter().map(|b| (*b, 0)).collect();
        for topic in self.topics.values() {
            for assignment in &topic.partitions {
                for replica in assignment.target_replicas() {
                    if let Some(count) = load.get_mut(replica) {
                        *count += 1;
                    }
                }
            }
        }
        load
    }

    /// The first partition (`TOPIC/P`) whose replicas, or a move's target, include `id`.
    pub fn partition_held_by(&self, id: NodeId) -> Option<String> {
        self.topics.values().find_map(|t| {
            t.partitions.iter().enumerate().find_map(|(p, a)| {
                (a.replicas.contains(&id) || a.target_replicas().contains(&id))
                    .then(|| format!("{}/{p}", t.name))
            })
        })
    }

    /// See [`super::state::MetaCommand::UnregisterBroker`].
    pub(super) fn unregister(&mut self, id: NodeId) -> MetaResponse {
        if let Some(held) = self.partition_held_by(id) {
            return MetaResponse::Rejected(format!("broker {id} still holds a replica of {held}"));
        }
        if self.brokers.remove(&id).is_none() {
            return MetaResponse::Rejected(format!("broker {id} is not in the cluster"));
        }
        self.removed_brokers.insert(id);
        self.place_coordinators();
        MetaResponse::Applied
    }

    /// A plan that spreads replicas, then preferred leaders, evenly over the staying live
    /// brokers: replicas move from the most loaded broker to the least loaded one while the two
    /// differ by more than one, then each partition's list is ordered so that preferred
    /// leaderships spread the same way. Partitions already moving are left alone.
    pub fn rebalance_plan(&self) -> Vec<PartitionMove> {
        let brokers = self.placement_brokers();
        if brokers.is_empty() {
            return Vec::new();
        }
        let mut plan: BTreeMap<(String, u32), Vec<NodeId>> = BTreeMap::new();
        for topic in self.topics.values() {
            for (index, assignment) in topic.partitions.iter().enumerate() {
                if assignment.reassignment.is_none() {
                    plan.insert(
                        (topic.name.clone(), index as u32),
                        assignment.replicas.clone(),
                    );
                }
            }
        }
        // Replicas: one at a time from the heaviest broker to the lightest, until no two differ
        // by more than one. Replicas on brokers that are fenced or leaving are not counted and
        // stay where they are (`remove-broker` moves those).
        let limit = plan.len() * MAX_REPLICATION_FACTOR as usize;
        for _ in 0..limit {
            let mut load: BTreeMap<NodeId, usize> = brokers.iter().map(|b| (*b, 0)).collect();
            for replicas in plan.values() {
                for r in replicas {
                    if let Some(count) = load.get_mut(r) {
                        *count += 1;
                    }
                }
            }
            let Some((lightest, light)) = load.iter().min_by_key(|(b, c)| (**c, **b)) else {
                break;
            };
            let Some((heaviest, heavy)) = load
                .iter()
                .max_by_key(|(b, c)| (**c, std::cmp::Reverse(**b)))
            else {
                break;
            };
            if *heavy <= light + 1 {
                break;
            }
            let (lightest, heaviest) = (*lightest, *heaviest);
            let step = plan.iter_mut().find_map(|(_, replicas)| {
                (!replicas.contains(&lightest))
                    .then(|| replicas.iter().position(|r| *r == heaviest))
                    .flatten()
                    .map(|at| (replicas, at))
            });
            let Some((replicas, at)) = step else { break };
            replicas[at] = lightest;
        }
        // Preferred leaders: while a broker is preferred for two more partitions than another
        // replica of one of them, that replica goes first (each step lowers the spread, so it
        // ends).
        for _ in 0..limit {
            let mut leading: BTreeMap<NodeId, usize> = brokers.iter().map(|b| (*b, 0)).collect();
            for replicas in plan.values() {
                *leading.entry(replicas[0]).or_default() += 1;
            }
            let count = |b: &NodeId| leading.get(b).copied().unwrap_or(0);
            let step = plan.values_mut().find_map(|replicas| {
                let first = count(&replicas[0]);
                (1..replicas.len())
                    .filter(|i| brokers.contains(&replicas[*i]) && count(&replicas[*i]) + 1 < first)
                    .min_by_key(|i| count(&replicas[*i]))
                    .map(|at| (replicas, at))
            });
            let Some((replicas, at)) = step else { break };
            replicas.swap(0, at);
        }
        plan.into_iter()
            .filter(|((topic, partition), replicas)| {
                self.assignment(topic, *partition)
                    .is_some_and(|a| a.replicas != *replicas)
            })
            .map(|((topic, partition), replicas)| PartitionMove {
                topic,
                partition,
                replicas,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::state::MetaCommand;
    use crate::storage::LogConfig;

    fn cluster(brokers: u64, replication_factor: u32, partitions: u32) -> ClusterState {
        let mut state = ClusterState::default();
        for id in 1..=brokers {
            register(&mut state, id);
        }
        let created = state.apply(&MetaCommand::CreateTopic {
            name: "t".into(),
            partitions,
            replication_factor,
            config: LogConfig::default(),
        });
        assert_eq!(created, MetaResponse::Applied);
        state
    }

    fn register(state: &mut ClusterState, id: NodeId) -> MetaResponse {
        state.apply(&MetaCommand::RegisterBroker {
            id,
            address: format!("http://127.0.0.1:{}", 50050 + id),
            cluster_address: format!("127.0.0.1:{}", 50060 + id),
            kafka_address: None,
            at_ms: 1,
        })
    }

    fn change_isr(state: &mut ClusterState, partition: u32, isr: Vec<NodeId>) -> MetaResponse {
        let a = state.assignment("t", partition).unwrap().clone();
        state.apply(&MetaCommand::ChangeIsr {
            topic: "t".into(),
            partition,
            leader: a.leader.unwrap(),
            leader_epoch: a.leader_epoch,
            isr,
        })
    }

    fn reassign(state: &mut ClusterState, partition: u32, replicas: Vec<NodeId>) -> MetaResponse {
        state.apply(&MetaCommand::ReassignPartitions {
            moves: vec![PartitionMove {
                topic: "t".into(),
                partition,
                replicas,
            }],
            throttle_bytes_per_s: 0,
        })
    }

    #[test]
    fn a_move_finishes_when_every_target_replica_is_in_sync_and_a_leaving_leader_hands_over() {
        let mut state = cluster(4, 3, 1);
        let before = state.assignment("t", 0).unwrap().clone();
        assert_eq!(before.replicas, vec![1, 2, 3]);
        assert_eq!(
            reassign(&mut state, 0, vec![2, 3, 4]),
            MetaResponse::Applied
        );
        let moving = state.assignment("t", 0).unwrap().clone();
        assert_eq!(
            moving.replicas,
            vec![2, 3, 4, 1],
            "target first, then the leaving"
        );
        assert_eq!(
            moving.leader,
            Some(1),
            "the leader stays while the new replica copies"
        );
        assert_eq!(moving.leader_epoch, before.leader_epoch);
        assert_eq!(moving.catching_up(), vec![4]);
        // The leader takes broker 4 into the ISR: the move is done in the same entry.
        assert_eq!(
            change_isr(&mut state, 0, vec![1, 2, 3, 4]),
            MetaResponse::Applied
        );
        let done = state.assignment("t", 0).unwrap();
        assert_eq!(done.replicas, vec![2, 3, 4]);
        assert_eq!(done.isr, vec![2, 3, 4]);
        assert_eq!(done.reassignment, None);
        assert_eq!(done.leader, Some(2), "the first target replica leads");
        assert_eq!(done.leader_epoch, before.leader_epoch + 1);
    }

    #[test]
    fn bad_moves_are_rejected_whole_and_a_reorder_finishes_at_once() {
        let mut state = cluster(3, 2, 2);
        let before = state.clone();
        for (replicas, why) in [
            (vec![], "between 1 and"),
            (vec![1, 1], "twice"),
            (vec![1, 9], "not in the cluster"),
        ] {
            let MetaResponse::Rejected(reason) = reassign(&mut state, 0, replicas) else {
                panic!("accepted");
            };
            assert!(reason.contains(why), "{reason}");
        }
        let twice = state.apply(&MetaCommand::ReassignPartitions {
            moves: vec![
                PartitionMove {
                    topic: "t".into(),
                    partition: 0,
                    replicas: vec![2, 3],
                },
                PartitionMove {
                    topic: "t".into(),
                    partition: 7,
                    replicas: vec![2, 3],
                },
            ],
            throttle_bytes_per_s: 0,
        });
        assert!(matches!(twice, MetaResponse::Rejected(r) if r.contains("no partition t/7")));
        assert_eq!(state, before, "nothing of a rejected plan is applied");
        let a = state.assignment("t", 0).unwrap().clone();
        let reversed: Vec<NodeId> = a.replicas.iter().rev().copied().collect();
        assert_eq!(
            reassign(&mut state, 0, reversed.clone()),
            MetaResponse::Applied
        );
        let now = state.assignment("t", 0).unwrap();
        assert_eq!(now.replicas, reversed);
        assert_eq!(now.reassignment, None);
        assert_eq!(
            now.leader, a.leader,
            "a reorder moves no leadership by itself"
        );
        assert_eq!(
            state.preferred_leader_candidates(),
            vec![("t".to_string(), 0)]
        );
        let leader_epoch = now.leader_epoch;
        state.apply(&MetaCommand::ElectPreferredLeaders {
            partitions: state.preferred_leader_candidates(),
        });
        let elected = state.assignment("t", 0).unwrap();
        assert_eq!(elected.leader, Some(reversed[0]));
        assert_eq!(elected.leader_epoch, leader_epoch + 1);
        assert!(state.preferred_leader_candidates().is_empty());
    }

    #[test]
    fn decommission_refuses_the_only_in_sync_copy_and_otherwise_moves_every_replica() {
        let mut state = cluster(4, 2, 4);
        // Partition 0 is on [1, 2]; its ISR shrinks to broker 1 alone.
        assert_eq!(state.assignment("t", 0).unwrap().replicas, vec![1, 2]);
        assert_eq!(change_isr(&mut state, 0, vec![1]), MetaResponse::Applied);
        let refused = state.apply(&MetaCommand::DecommissionBroker {
            id: 1,
            throttle_bytes_per_s: 0,
        });
        let MetaResponse::Rejected(reason) = refused else {
            panic!("accepted")
        };
        assert!(
            reason.contains("t/0") && reason.contains("only in-sync copy"),
            "{reason}"
        );
        assert!(!state.brokers[&1].decommissioning);
        assert_eq!(change_isr(&mut state, 0, vec![1, 2]), MetaResponse::Applied);
        assert_eq!(
            state.apply(&MetaCommand::DecommissionBroker {
                id: 1,
                throttle_bytes_per_s: 1 << 20
            }),
            MetaResponse::Applied
        );
        assert!(state.brokers[&1].decommissioning);
        for (index, a) in state.topics["t"].partitions.iter().enumerate() {
            assert!(
                !a.target_replicas().contains(&1),
                "partition {index}: {a:?}"
            );
            assert_eq!(a.target_replicas().len(), 2);
        }
        // Nothing new is placed on it, and it cannot be forgotten while it holds replicas.
        state.apply(&MetaCommand::CreatePartitions {
            name: "t".into(),
            total: 8,
        });
        assert!(
            state.topics["t"].partitions[4..]
                .iter()
                .all(|a| !a.replicas.contains(&1))
        );
        assert!(matches!(
            state.apply(&MetaCommand::UnregisterBroker { id: 1 }),
            MetaResponse::Rejected(r) if r.contains("still holds a replica")
        ));
    }

    #[test]
    fn decommission_refuses_when_the_others_cannot_hold_the_replication_factor() {
        let mut state = cluster(3, 3, 1);
        let refused = state.apply(&MetaCommand::DecommissionBroker {
            id: 2,
            throttle_bytes_per_s: 0,
        });
        let MetaResponse::Rejected(reason) = refused else {
            panic!("accepted")
        };
        assert!(
            reason.contains("t/0") && reason.contains("only 2 live brokers"),
            "{reason}"
        );
        assert!(!state.brokers[&2].decommissioning);
    }

    #[test]
    fn a_removed_broker_cannot_register_until_it_joins_again() {
        let mut state = cluster(3, 1, 1);
        let moves = state.decommission_moves(3).unwrap();
        assert!(moves.is_empty(), "partition 0 is on broker 1: {moves:?}");
        assert_eq!(
            state.apply(&MetaCommand::UnregisterBroker { id: 3 }),
            MetaResponse::Applied
        );
        assert!(!state.brokers.contains_key(&3));
        assert!(
            matches!(register(&mut state, 3), MetaResponse::Rejected(r) if r.contains("removed"))
        );
        // Removing it again (a retry whose first attempt went through) is no error.
        assert_eq!(state.decommission_moves(3), Ok(Vec::new()));
        assert_eq!(
            state.apply(&MetaCommand::DecommissionBroker {
                id: 3,
                throttle_bytes_per_s: 0
            }),
            MetaResponse::Applied
        );
        state.apply(&MetaCommand::AdmitBroker { id: 3 });
        assert!(matches!(
            register(&mut state, 3),
            MetaResponse::Registered { .. }
        ));
    }

    #[test]
    fn a_rebalance_plan_evens_replicas_and_preferred_leaders() {
        let mut state = cluster(3, 2, 6);
        for id in [4, 5] {
            register(&mut state, id);
        }
        let plan = state.rebalance_plan();
        assert!(!plan.is_empty());
        assert_eq!(state.reassign(&plan, 0), MetaResponse::Applied);
        let mut replicas: BTreeMap<NodeId, usize> = BTreeMap::new();
        let mut preferred: BTreeMap<NodeId, usize> = BTreeMap::new();
        for a in &state.topics["t"].partitions {
            for r in a.target_replicas() {
                *replicas.entry(*r).or_default() += 1;
            }
            *preferred.entry(a.target_replicas()[0]).or_default() += 1;
        }
        let spread = |m: &BTreeMap<NodeId, usize>| {
            (1..=5)
                .map(|b| m.get(&b).copied().unwrap_or(0))
                .collect::<Vec<_>>()
        };
        let counts = spread(&replicas);
        assert!(
            counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1,
            "{counts:?}"
        );
        let leaders = spread(&preferred);
        assert!(
            leaders.iter().max().unwrap() - leaders.iter().min().unwrap() <= 1,
            "{leaders:?}"
        );
    }
}
