//! One group's membership state machine ([`Group`]): joins, heartbeats, leaves, expiry,
//! rebalances (broker-assigned, or completed by the leader's sync for client-assigned groups)
//! and the fencing checks of commits. [`super::coordinator::GroupCoordinator`] holds every
//! group, locks them and does the I/O; this file never waits or touches a file.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use super::assignment::{Assignor, assign};
use super::{
    ClientAssignment, ClientJoinOutcome, GroupError, GroupState, JoinOutcome, JoinRequest,
    MAX_GROUP_MEMBERS, MemberDescription, MemberRef, PartitionCounts, TopicPartition,
};

pub(super) type JoinReply = oneshot::Sender<Result<JoinOutcome, GroupError>>;
pub(super) type SyncReply = oneshot::Sender<Result<Bytes, GroupError>>;

/// One member of a group.
pub(super) struct Member {
    pub(super) client_id: String,
    pub(super) topics: Vec<String>,
    pub(super) session_timeout: Duration,
    pub(super) rebalance_timeout: Duration,
    /// The last heartbeat, join or completed rebalance: the session runs from here.
    pub(super) last_seen: Instant,
    pub(super) assignment: Vec<TopicPartition>,
    /// Set while the member waits in a join for the rebalance to complete.
    pub(super) pending_join: Option<JoinReply>,
    /// A client-assigned member's protocols (preferred first) with their metadata; empty for a
    /// broker-assigned one.
    pub(super) protocols: Vec<(String, Bytes)>,
    /// A client-assigned member's share of its leader's assignment, as the leader encoded it.
    pub(super) assignment_data: Bytes,
    /// Set while a client-assigned member waits in a sync for its leader's assignment.
    pub(super) pending_sync: Option<SyncReply>,
}

impl Member {
    pub(super) fn metadata_for(&self, protocol: &str) -> Bytes {
        self.protocols
            .iter()
            .find(|(name, _)| name == protocol)
            .map(|(_, metadata)| metadata.clone())
            .unwrap_or_default()
    }
}

/// One group's membership state.
pub(super) struct Group {
    pub(super) name: String,
    pub(super) state: GroupState,
    pub(super) generation: u64,
    pub(super) assignor: Assignor,
    pub(super) members: BTreeMap<String, Member>,
    /// When a rebalance in progress stops waiting for members to join again.
    pub(super) rebalance_deadline: Option<Instant>,
    /// Partition counts of the subscribed topics when partitions were last assigned: a topic that
    /// grows (or goes away) since starts a rebalance, so new partitions get an owner.
    pub(super) assigned_counts: BTreeMap<String, Option<u32>>,
    /// Removed from the coordinator's map: whoever still holds it must look the group up again.
    pub(super) dead: bool,
    /// `Some(protocol type)` while the group's members assign partitions themselves (Kafka's
    /// protocol); set by the first member to join an empty group.
    pub(super) client_assigned: Option<String>,
    /// Of a client-assigned group: the protocol every member speaks, chosen at the last
    /// rebalance, and the member that assigns the partitions.
    pub(super) protocol: Option<String>,
    pub(super) leader: Option<String>,
}

impl Group {
    pub(super) fn new(name: &str) -> Group {
        Group {
            name: name.to_string(),
            state: GroupState::Empty,
            generation: 0,
            assignor: Assignor::default(),
            members: BTreeMap::new(),
            rebalance_deadline: None,
            assigned_counts: BTreeMap::new(),
            dead: false,
            client_assigned: None,
            protocol: None,
            leader: None,
        }
    }

    pub(super) fn outcome(&self, member_id: &str, member: &Member) -> JoinOutcome {
        JoinOutcome {
            member_id: member_id.to_string(),
            generation: self.generation,
            assignment: member.assignment.clone(),
            session_timeout_ms: member.session_timeout.as_millis() as u32,
            heartbeat_interval_ms: heartbeat_interval_ms(member.session_timeout),
            assignor: self.assignor,
            client_assigned: self.client_outcome(member_id),
        }
    }

    /// The client-assigned part of a join's answer: the leader gets every member's metadata.
    pub(super) fn client_outcome(&self, member_id: &str) -> Option<ClientJoinOutcome> {
        self.client_assigned.as_ref()?;
        let protocol = self.protocol.clone().unwrap_or_default();
        let leader = self.leader.clone().unwrap_or_default();
        let members = if leader == member_id {
            self.members
                .iter()
                .map(|(id, m)| (id.clone(), m.metadata_for(&protocol)))
                .collect()
        } else {
            Vec::new()
        };
        Some(ClientJoinOutcome {
            protocol,
            leader,
            members,
        })
    }

    /// Checks that a member may join as it asks: the group's kind of assignment, and for a
    /// client-assigned member, a protocol every member speaks.
    pub(super) fn check_protocols(&self, request: &JoinRequest) -> Result<(), GroupError> {
        let inconsistent = |reason: String| GroupError::InconsistentProtocol {
            group: self.name.clone(),
            reason,
        };
        let others = || {
            self.members
                .iter()
                .filter(|(id, _)| request.member_id.as_deref() != Some(id.as_str()))
        };
        if others().next().is_none() {
            return Ok(());
        }
        match (&self.client_assigned, &request.client_assigned) {
            (None, None) => Ok(()),
            (Some(_), None) => Err(inconsistent(
                "its members assign partitions themselves (a Kafka consumer group)".into(),
            )),
            (None, Some(_)) => Err(inconsistent(
                "FlashQ's broker assigns its partitions (a flashq consumer group)".into(),
            )),
            (Some(kind), Some(asked)) if *kind != asked.protocol_type => Err(inconsistent(
                format!("protocol type {:?}, not {:?}", kind, asked.protocol_type),
            )),
            (Some(_), Some(asked)) => {
                let shared = asked.protocols.iter().any(|(name, _)| {
                    others().all(|(_, m)| m.protocols.iter().any(|(n, _)| n == name))
                });
                if shared {
                    Ok(())
                } else {
                    Err(inconsistent("no protocol every member speaks".into()))
                }
            }
        }
    }

    /// The protocol for the next generation: each member votes for the first of its protocols
    /// that every member speaks; the most votes wins, ties to the leader's preference.
    pub(super) fn choose_protocol(&self) -> Option<String> {
        let first = self.members.values().next()?;
        let candidates: Vec<&String> = first
            .protocols
            .iter()
            .map(|(name, _)| name)
            .filter(|name| {
                self.members
                    .values()
                    .all(|m| m.protocols.iter().any(|(n, _)| n == *name))
            })
            .collect();
        let mut votes: BTreeMap<&String, usize> = BTreeMap::new();
        for member in self.members.values() {
            if let Some((name, _)) = member
                .protocols
                .iter()
                .find(|(name, _)| candidates.contains(&name))
            {
                *votes.entry(name).or_default() += 1;
            }
        }
        let leader = self.leader.as_ref().and_then(|id| self.members.get(id));
        let preference = leader.unwrap_or(first);
        let mut best: Option<(&String, usize)> = None;
        for (name, _) in &preference.protocols {
            let count = votes.get(name).copied().unwrap_or(0);
            if count > 0 && best.is_none_or(|(_, most)| count > most) {
                best = Some((name, count));
            }
        }
        best.map(|(name, _)| name.clone())
    }

    /// Registers a join; the returned receiver yields the outcome once the group is stable.
    pub(super) fn join(
        &mut self,
        request: &JoinRequest,
        now: Instant,
        counts: PartitionCounts<'_>,
    ) -> Result<oneshot::Receiver<Result<JoinOutcome, GroupError>>, GroupError> {
        self.check_protocols(request)?;
        if !self.members.is_empty()
            && request.client_assigned.is_none()
            && self.assignor != request.assignor
        {
            return Err(GroupError::InconsistentAssignor {
                group: self.name.clone(),
                current: self.assignor,
                requested: request.assignor,
            });
        }
        let (reply, receiver) = oneshot::channel();
        match &request.member_id {
            Some(id) => {
                let member = self
                    .members
                    .get_mut(id)
                    .ok_or_else(|| GroupError::UnknownMember {
                        group: self.name.clone(),
                        member_id: id.clone(),
                    })?;
                let protocols = request
                    .client_assigned
                    .as_ref()
                    .map(|c| c.protocols.clone())
                    .unwrap_or_default();
                // A leader that joins again means to assign anew (Kafka's rule), so it
                // rebalances the group even when nothing else changed.
                let unchanged = member.topics == request.topics
                    && member.protocols == protocols
                    && self.leader.as_deref() != Some(id.as_str());
                member.topics = request.topics.clone();
                member.protocols = protocols;
                member.session_timeout = request.session_timeout;
                member.rebalance_timeout = request.rebalance_timeout;
                member.last_seen = now;
                if self.state == GroupState::Stable && unchanged {
                    // Nothing changed: the member just gets its current assignment back.
                    let member = &self.members[id];
                    let _ = reply.send(Ok(self.outcome(id, member)));
                    return Ok(receiver);
                }
                if let Some(previous) = member.pending_join.replace(reply) {
                    let _ = previous.send(Err(GroupError::JoinSuperseded {
                        group: self.name.clone(),
                        member_id: id.clone(),
                    }));
                }
            }
            None => {
                if self.members.len() >= MAX_GROUP_MEMBERS {
                    return Err(GroupError::TooManyMembers {
                        group: self.name.clone(),
                    });
                }
                if self.members.is_empty() {
                    self.assignor = request.assignor;
                    self.client_assigned = request
                        .client_assigned
                        .as_ref()
                        .map(|c| c.protocol_type.clone());
                    self.leader = None;
                    self.protocol = None;
                }
                let id = new_member_id(&request.client_id);
                tracing::info!(group = self.name, member = id, "member joining");
                self.members.insert(
                    id,
                    Member {
                        client_id: request.client_id.clone(),
                        topics: request.topics.clone(),
                        session_timeout: request.session_timeout,
                        rebalance_timeout: request.rebalance_timeout,
                        last_seen: now,
                        assignment: Vec::new(),
                        pending_join: Some(reply),
                        protocols: request
                            .client_assigned
                            .as_ref()
                            .map(|c| c.protocols.clone())
                            .unwrap_or_default(),
                        assignment_data: Bytes::new(),
                        pending_sync: None,
                    },
                );
            }
        }
        self.prepare_rebalance(now);
        self.maybe_complete_rebalance(now, counts);
        Ok(receiver)
    }

    /// Records a heartbeat; returns whether the member must join again (a rebalance is on).
    pub(super) fn heartbeat(
        &mut self,
        member_id: &str,
        generation: u64,
        now: Instant,
    ) -> Result<bool, GroupError> {
        let current = self.generation;
        let member = self.member_mut(member_id)?;
        member.last_seen = now;
        if generation != current {
            return Err(self.stale(member_id, generation));
        }
        Ok(self.state == GroupState::PreparingRebalance)
    }

    pub(super) fn leave(
        &mut self,
        member_id: &str,
        now: Instant,
        counts: PartitionCounts<'_>,
    ) -> Result<(), GroupError> {
        let member = self
            .members
            .remove(member_id)
            .ok_or_else(|| self.unknown(member_id))?;
        if let Some(reply) = member.pending_join {
            let _ = reply.send(Err(GroupError::JoinSuperseded {
                group: self.name.clone(),
                member_id: member_id.to_string(),
            }));
        }
        tracing::info!(group = self.name, member = member_id, "member left");
        self.members_changed(now, counts);
        Ok(())
    }

    /// Removes members whose session expired and ends rebalances whose time is up.
    pub(super) fn expire(&mut self, now: Instant, counts: PartitionCounts<'_>) {
        let expired: Vec<String> = self
            .members
            .iter()
            .filter(|(_, m)| {
                m.pending_join.is_none() && now.duration_since(m.last_seen) > m.session_timeout
            })
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            tracing::info!(group = self.name, member = id, "member session expired");
            self.members.remove(id);
        }
        if self.state == GroupState::PreparingRebalance
            && self
                .rebalance_deadline
                .is_some_and(|deadline| now >= deadline)
        {
            self.complete_rebalance(now, counts);
        } else if !expired.is_empty() {
            self.members_changed(now, counts);
        } else if self.state == GroupState::Stable
            && self
                .assigned_counts
                .iter()
                .any(|(topic, count)| counts(topic) != *count)
        {
            tracing::info!(group = self.name, "subscribed topics changed partitions");
            self.prepare_rebalance(now);
        }
    }

    /// Checks that a commit may go ahead: from a current member of the current generation, or
    /// (with no member) only while the group has no members.
    pub(super) fn check_commit(&self, member: Option<(&str, u64)>) -> Result<(), GroupError> {
        match member {
            Some((member_id, generation)) => {
                if !self.members.contains_key(member_id) {
                    return Err(self.unknown(member_id));
                }
                if generation != self.generation {
                    return Err(self.stale(member_id, generation));
                }
                // Between the joins and the leader's assignment no member owns anything.
                if self.state == GroupState::CompletingRebalance {
                    return Err(self.rebalancing());
                }
                Ok(())
            }
            None => self.check_inactive("commit offsets without a member id"),
        }
    }

    /// Fails while members are active: admin changes to offsets and deletes wait for an empty group.
    pub(super) fn check_inactive(&self, action: &str) -> Result<(), GroupError> {
        if self.members.is_empty() {
            return Ok(());
        }
        Err(GroupError::NotEmpty {
            group: self.name.clone(),
            members: self.members.len(),
            action: action.to_string(),
        })
    }

    pub(super) fn members_changed(&mut self, now: Instant, counts: PartitionCounts<'_>) {
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            self.rebalance_deadline = None;
            // A new generation, so nothing from the old one can pass fencing again.
            self.generation += 1;
        } else {
            self.prepare_rebalance(now);
            self.maybe_complete_rebalance(now, counts);
        }
    }

    pub(super) fn prepare_rebalance(&mut self, now: Instant) {
        if self.state == GroupState::PreparingRebalance || self.members.is_empty() {
            return;
        }
        let timeout = self
            .members
            .values()
            .map(|m| m.rebalance_timeout)
            .max()
            .unwrap_or_default();
        self.state = GroupState::PreparingRebalance;
        self.rebalance_deadline = Some(now + timeout);
        let rebalancing = self.rebalancing();
        for member in self.members.values_mut() {
            if let Some(reply) = member.pending_sync.take() {
                let _ = reply.send(Err(rebalancing.clone()));
            }
        }
        tracing::info!(
            group = self.name,
            generation = self.generation,
            "rebalance started"
        );
    }

    pub(super) fn maybe_complete_rebalance(&mut self, now: Instant, counts: PartitionCounts<'_>) {
        if self.state == GroupState::PreparingRebalance
            && self.members.values().all(|m| m.pending_join.is_some())
        {
            self.complete_rebalance(now, counts);
        }
    }

    /// Drops the members that did not join again, assigns partitions to the rest, raises the
    /// generation and answers every waiting join.
    pub(super) fn complete_rebalance(&mut self, now: Instant, counts: PartitionCounts<'_>) {
        let name = self.name.clone();
        self.members.retain(|id, m| {
            let kept = m.pending_join.is_some();
            if !kept {
                tracing::info!(group = name, member = id, "member did not rejoin in time");
            }
            kept
        });
        self.generation += 1;
        self.rebalance_deadline = None;
        if self.members.is_empty() {
            self.state = GroupState::Empty;
            return;
        }
        if self.client_assigned.is_some() {
            self.complete_client_rebalance(now);
            return;
        }
        let subscriptions: BTreeMap<String, Vec<String>> = self
            .members
            .iter()
            .map(|(id, m)| (id.clone(), m.topics.clone()))
            .collect();
        self.assigned_counts = subscriptions
            .values()
            .flatten()
            .map(|topic| (topic.clone(), counts(topic)))
            .collect();
        let previous: BTreeMap<String, Vec<TopicPartition>> = self
            .members
            .iter()
            .map(|(id, m)| (id.clone(), m.assignment.clone()))
            .collect();
        let mut assignment = assign(self.assignor, &subscriptions, counts, &previous);
        self.state = GroupState::Stable;
        self.answer_joins(now, |id, member| {
            member.assignment = assignment.remove(id).unwrap_or_default();
        });
        tracing::info!(
            group = self.name,
            generation = self.generation,
            members = self.members.len(),
            "rebalance complete"
        );
    }

    /// Answers every member's waiting join with its outcome, once `settle` has set what the
    /// member holds in the new generation; each member's session restarts now.
    pub(super) fn answer_joins(&mut self, now: Instant, mut settle: impl FnMut(&str, &mut Member)) {
        let ids: Vec<String> = self.members.keys().cloned().collect();
        for id in ids {
            let member = self.members.get_mut(&id).expect("id taken from the map");
            settle(&id, member);
            member.last_seen = now;
            let reply = member.pending_join.take();
            let outcome = self.outcome(&id, &self.members[&id]);
            if let Some(reply) = reply {
                let _ = reply.send(Ok(outcome));
            }
        }
    }

    /// Ends the joins of a client-assigned group: the protocol and leader are chosen, and every
    /// member is answered (the leader with everyone's metadata); the group then waits for the
    /// leader's assignment ([`Group::sync`]).
    pub(super) fn complete_client_rebalance(&mut self, now: Instant) {
        if !self
            .leader
            .as_ref()
            .is_some_and(|l| self.members.contains_key(l))
        {
            self.leader = self.members.keys().next().cloned();
        }
        self.protocol = self.choose_protocol();
        self.state = GroupState::CompletingRebalance;
        // Nobody owns anything until the leader's assignment arrives.
        self.answer_joins(now, |_, member| {
            member.assignment.clear();
            member.assignment_data = Bytes::new();
        });
        tracing::info!(
            group = self.name,
            generation = self.generation,
            members = self.members.len(),
            protocol = self.protocol.as_deref().unwrap_or(""),
            "joins complete; waiting for the leader's assignment"
        );
    }

    /// A client-assigned member's sync: the leader hands in everyone's assignment (which makes
    /// the group stable and answers every waiting sync); the others wait for it. A stable group
    /// answers at once with the member's share.
    pub(super) fn sync(
        &mut self,
        member: &MemberRef,
        assignments: Option<Vec<ClientAssignment>>,
        now: Instant,
    ) -> Result<oneshot::Receiver<Result<Bytes, GroupError>>, GroupError> {
        let generation = self.generation;
        let known = self.member_mut(&member.member_id)?;
        known.last_seen = now;
        if member.generation != generation {
            return Err(self.stale(&member.member_id, member.generation));
        }
        let (reply, receiver) = oneshot::channel();
        match self.state {
            GroupState::PreparingRebalance | GroupState::Empty => {
                return Err(self.rebalancing());
            }
            GroupState::Stable => {
                let data = self.members[&member.member_id].assignment_data.clone();
                let _ = reply.send(Ok(data));
                return Ok(receiver);
            }
            GroupState::CompletingRebalance => {}
        }
        if let Some(previous) = self
            .members
            .get_mut(&member.member_id)
            .and_then(|m| m.pending_sync.replace(reply))
        {
            let _ = previous.send(Err(self.rebalancing()));
        }
        let from_leader = self.leader.as_deref() == Some(member.member_id.as_str());
        if let (true, Some(assignments)) = (from_leader, assignments) {
            let mut by_member: BTreeMap<String, ClientAssignment> = assignments
                .into_iter()
                .map(|a| (a.member_id.clone(), a))
                .collect();
            self.state = GroupState::Stable;
            for (id, m) in self.members.iter_mut() {
                let share = by_member.remove(id);
                m.assignment = share
                    .as_ref()
                    .map(|a| a.partitions.clone())
                    .unwrap_or_default();
                m.assignment_data = share.map(|a| a.data).unwrap_or_default();
                m.last_seen = now;
                if let Some(reply) = m.pending_sync.take() {
                    let _ = reply.send(Ok(m.assignment_data.clone()));
                }
            }
            tracing::info!(
                group = self.name,
                generation = self.generation,
                "leader's assignment received; group stable"
            );
        }
        Ok(receiver)
    }

    pub(super) fn rebalancing(&self) -> GroupError {
        GroupError::RebalanceInProgress {
            group: self.name.clone(),
        }
    }

    pub(super) fn member_mut(&mut self, member_id: &str) -> Result<&mut Member, GroupError> {
        let unknown = self.unknown(member_id);
        self.members.get_mut(member_id).ok_or(unknown)
    }

    pub(super) fn unknown(&self, member_id: &str) -> GroupError {
        GroupError::UnknownMember {
            group: self.name.clone(),
            member_id: member_id.to_string(),
        }
    }

    pub(super) fn stale(&self, member_id: &str, generation: u64) -> GroupError {
        GroupError::StaleGeneration {
            group: self.name.clone(),
            member_id: member_id.to_string(),
            generation,
            current: self.generation,
        }
    }

    pub(super) fn members_described(&self) -> Vec<MemberDescription> {
        self.members
            .iter()
            .map(|(id, m)| MemberDescription {
                member_id: id.clone(),
                client_id: m.client_id.clone(),
                topics: m.topics.clone(),
                assignment: m.assignment.clone(),
                session_timeout_ms: m.session_timeout.as_millis() as u32,
                protocol_metadata: m.metadata_for(self.protocol.as_deref().unwrap_or_default()),
                assignment_data: m.assignment_data.clone(),
            })
            .collect()
    }
}

/// How often a member should heartbeat: a third of its session, like Kafka's default ratio.
pub fn heartbeat_interval_ms(session_timeout: Duration) -> u32 {
    (session_timeout.as_millis() / 3).max(1) as u32
}

/// A member id no other member has had: the client id plus 64 random bits.
pub(super) fn new_member_id(client_id: &str) -> String {
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(SEQUENCE.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    format!("{client_id}-{:016x}", hasher.finish())
}
