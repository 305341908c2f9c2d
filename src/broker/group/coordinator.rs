//! The group coordinator: every group's state (`state::Group`, which holds the rules of
//! membership, generations, rebalances and fencing), locked one group at a time, plus committed
//! offsets through an [`OffsetStore`].
//!
//! The protocol is eager and broker-assigned (see docs/api.md, "Consumer groups"):
//!
//! 1. A member calls join. Any join that changes the group (a new member, new subscriptions)
//!    moves it to `PreparingRebalance`; the join call then waits.
//! 2. Members of the previous generation learn of the rebalance from their next heartbeat. They
//!    stop reading, commit what they read, and join again.
//! 3. Once every member has joined again (or the rebalance timeout has passed, which removes the
//!    members that did not), the broker assigns partitions, raises the generation and answers
//!    every waiting join with the member's id, the generation and its partitions.
//!
//! Because no member gets new partitions before every old owner has given its partitions up (by
//! joining again, after committing), no partition ever has two owners within the group.
//! Members that stop heartbeating for their session timeout are removed by [`GroupCoordinator::expire`],
//! which the broker runs on a timer; that starts a rebalance as well.
//!
//! Locking: a std mutex guards the map of groups and is never held across an await; each group
//! has its own async mutex, held across a commit's fsync so that a generation cannot change
//! between the fencing check and the write.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

use crate::storage::offset_store::{GroupOffsets, OffsetCommit, OffsetStore};

use super::assignment::Assignor;
use bytes::Bytes;

use super::{
    ClientAssignment, GroupError, GroupState, GroupSummary, JoinOutcome, JoinRequest, MAX_GROUPS,
    MemberDescription, MemberRef, PartitionCounts,
};
use crate::broker::BrokerError;

use super::state::Group;

/// How long a join may wait beyond its rebalance timeout before it is given up as lost.
const JOIN_WAIT_SLACK_MS: u64 = 5_000;

/// Group membership and committed offsets for the whole broker.
pub struct GroupCoordinator {
    /// Groups with members, plus short-lived entries while an admin change to an empty group runs.
    groups: Mutex<BTreeMap<String, Arc<AsyncMutex<Group>>>>,
    store: Arc<dyn OffsetStore>,
    /// Set by [`GroupCoordinator::shutdown`]: joins are refused, so none holds up a clean stop.
    shutting_down: AtomicBool,
}

/// A membership snapshot of one group.
pub(super) struct Membership {
    pub state: GroupState,
    pub generation: u64,
    pub assignor: Option<Assignor>,
    /// A client-assigned group's protocol type and protocol.
    pub protocol: Option<(String, String)>,
    pub members: Vec<MemberDescription>,
}

impl GroupCoordinator {
    /// A coordinator whose committed offsets live in `store`.
    pub fn new(store: Arc<dyn OffsetStore>) -> GroupCoordinator {
        GroupCoordinator {
            groups: Mutex::new(BTreeMap::new()),
            store,
            shutting_down: AtomicBool::new(false),
        }
    }

    /// The offset store, for reads (they never touch the disk).
    pub fn store(&self) -> &Arc<dyn OffsetStore> {
        &self.store
    }

    fn map(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<AsyncMutex<Group>>>> {
        self.groups.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn existing(&self, name: &str) -> Option<Arc<AsyncMutex<Group>>> {
        self.map().get(name).cloned()
    }

    fn existing_or_new(&self, name: &str) -> Result<Arc<AsyncMutex<Group>>, GroupError> {
        let mut map = self.map();
        if let Some(group) = map.get(name) {
            return Ok(group.clone());
        }
        if map.len() >= MAX_GROUPS {
            return Err(GroupError::TooManyGroups);
        }
        let group = Arc::new(AsyncMutex::new(Group::new(name)));
        map.insert(name.to_string(), group.clone());
        Ok(group)
    }

    /// Locks a group, creating it when absent; retries when it was removed meanwhile.
    async fn lock_or_create(&self, name: &str) -> Result<OwnedMutexGuard<Group>, GroupError> {
        loop {
            let group = self.existing_or_new(name)?.lock_owned().await;
            if !group.dead {
                return Ok(group);
            }
        }
    }

    /// Locks a group that has members; `None` when it has none.
    async fn lock_existing(&self, name: &str) -> Option<OwnedMutexGuard<Group>> {
        loop {
            let group = self.existing(name)?.lock_owned().await;
            if !group.dead {
                return Some(group);
            }
        }
    }

    /// Forgets a group that has no members left: its offsets (if any) stay in the store.
    fn release(&self, group: &mut Group) {
        if !group.members.is_empty() || group.dead {
            return;
        }
        group.dead = true;
        self.map().remove(&group.name);
    }

    /// Joins `request.group` and waits until the group is stable; see the module docs.
    pub async fn join(
        &self,
        request: JoinRequest,
        counts: PartitionCounts<'_>,
    ) -> Result<JoinOutcome, BrokerError> {
        let (receiver, wait) = {
            let mut group = self.lock_or_create(&request.group).await?;
            // Checked under the group's lock: either this sees the flag, or shutdown() has yet to
            // visit this group and will drop the join registered here.
            if self.shutting_down.load(Ordering::SeqCst) {
                self.release(&mut group);
                return Err(BrokerError::ShuttingDown);
            }
            let joined = group.join(&request, Instant::now(), counts);
            self.release(&mut group);
            // The rebalance ends by its deadline (set by the slowest member's rebalance timeout,
            // which may be longer than this member's); a join never waits past it.
            let until_deadline = group.rebalance_deadline.map_or(Duration::ZERO, |d| {
                d.saturating_duration_since(Instant::now())
            });
            (
                joined?,
                until_deadline + Duration::from_millis(JOIN_WAIT_SLACK_MS),
            )
        };
        match tokio::time::timeout(wait, receiver).await {
            Ok(Ok(outcome)) => Ok(outcome?),
            Ok(Err(_)) if self.shutting_down.load(Ordering::SeqCst) => {
                Err(BrokerError::ShuttingDown)
            }
            // The broker dropped the join: the member was removed meanwhile.
            Ok(Err(_)) | Err(_) => Err(GroupError::JoinSuperseded {
                group: request.group,
                member_id: request.member_id.unwrap_or_default(),
            }
            .into()),
        }
    }

    /// Records a heartbeat; returns whether the member must join again.
    pub async fn heartbeat(
        &self,
        group: &str,
        member_id: &str,
        generation: u64,
    ) -> Result<bool, BrokerError> {
        let Some(mut locked) = self.lock_existing(group).await else {
            return Err(Self::unknown_member(group, member_id).into());
        };
        Ok(locked.heartbeat(member_id, generation, Instant::now())?)
    }

    /// A client-assigned member's sync (`Group::sync`), waiting (at most its rebalance
    /// timeout) for the leader's assignment; returns the member's share.
    pub async fn sync(
        &self,
        group: &str,
        member: &MemberRef,
        assignments: Option<Vec<ClientAssignment>>,
    ) -> Result<Bytes, BrokerError> {
        let (receiver, wait) = {
            let Some(mut locked) = self.lock_existing(group).await else {
                return Err(Self::unknown_member(group, &member.member_id).into());
            };
            let receiver = locked.sync(member, assignments, Instant::now())?;
            let wait = locked
                .members
                .get(&member.member_id)
                .map_or(Duration::ZERO, |m| m.rebalance_timeout)
                + Duration::from_millis(JOIN_WAIT_SLACK_MS);
            (receiver, wait)
        };
        match tokio::time::timeout(wait, receiver).await {
            Ok(Ok(share)) => Ok(share?),
            Ok(Err(_)) if self.shutting_down.load(Ordering::SeqCst) => {
                Err(BrokerError::ShuttingDown)
            }
            Ok(Err(_)) | Err(_) => Err(GroupError::RebalanceInProgress {
                group: group.to_string(),
            }
            .into()),
        }
    }

    /// Removes a member at once (no waiting for its session to expire) and rebalances the rest.
    pub async fn leave(
        &self,
        group: &str,
        member_id: &str,
        counts: PartitionCounts<'_>,
    ) -> Result<(), BrokerError> {
        let Some(mut locked) = self.lock_existing(group).await else {
            return Err(Self::unknown_member(group, member_id).into());
        };
        let left = locked.leave(member_id, Instant::now(), counts);
        self.release(&mut locked);
        Ok(left?)
    }

    /// The error for a member of a group without members: whether or not the group has
    /// committed offsets, the member is unknown and must join again (ABORTED), as Kafka answers
    /// UNKNOWN_MEMBER_ID. "The group does not exist" would send it looking for a group to create.
    fn unknown_member(group: &str, member_id: &str) -> GroupError {
        GroupError::UnknownMember {
            group: group.to_string(),
            member_id: member_id.to_string(),
        }
    }

    /// Commits offsets durably, fenced: from a member of the current generation, or with no member
    /// while the group is empty. The group stays locked until the write is durable.
    pub async fn commit(
        &self,
        group: &str,
        member: Option<(String, u64)>,
        offsets: Vec<OffsetCommit>,
        timestamp_ms: i64,
    ) -> Result<(), BrokerError> {
        let mut locked = match &member {
            Some((member_id, _)) => match self.lock_existing(group).await {
                Some(locked) => locked,
                None => return Err(Self::unknown_member(group, member_id).into()),
            },
            None => self.lock_or_create(group).await?,
        };
        if let Err(e) = locked.check_commit(member.as_ref().map(|(id, g)| (id.as_str(), *g))) {
            self.release(&mut locked);
            return Err(e.into());
        }
        let store = self.store.clone();
        let name = group.to_string();
        let (mut locked, written) = tokio::task::spawn_blocking(move || {
            let written = store.commit(&name, &offsets, timestamp_ms);
            (locked, written)
        })
        .await
        .map_err(|e| BrokerError::Internal(format!("commit task failed: {e}")))?;
        self.release(&mut locked);
        Ok(written?)
    }

    /// Deletes a group's committed offsets; refused while it has members.
    pub async fn delete(&self, group: &str) -> Result<(), BrokerError> {
        let locked = self.lock_or_create(group).await?;
        if let Err(e) = locked.check_inactive("delete the group") {
            return Err(e.into());
        }
        let store = self.store.clone();
        let name = group.to_string();
        let (mut locked, deleted) = tokio::task::spawn_blocking(move || {
            let deleted = store.delete_group(&name);
            (locked, deleted)
        })
        .await
        .map_err(|e| BrokerError::Internal(format!("delete task failed: {e}")))?;
        self.release(&mut locked);
        if !deleted? {
            return Err(GroupError::NotFound(group.to_string()).into());
        }
        tracing::info!(group, "deleted group");
        Ok(())
    }

    /// Fails when `group` has members: offsets may only be reset while nobody reads them.
    pub async fn check_inactive(&self, group: &str, action: &str) -> Result<(), BrokerError> {
        match self.lock_existing(group).await {
            Some(locked) => Ok(locked.check_inactive(action)?),
            None => Ok(()),
        }
    }

    /// A group's membership and committed offsets; `None` when the group has neither.
    pub(super) async fn membership(
        &self,
        group: &str,
    ) -> Option<(Membership, Option<GroupOffsets>)> {
        let offsets = self.store.offsets(group);
        let membership = match self.lock_existing(group).await {
            Some(locked) => Membership {
                state: locked.state,
                generation: locked.generation,
                assignor: locked.client_assigned.is_none().then_some(locked.assignor),
                protocol: locked
                    .client_assigned
                    .clone()
                    .map(|kind| (kind, locked.protocol.clone().unwrap_or_default())),
                members: locked.members_described(),
            },
            None if offsets.is_some() => Membership {
                state: GroupState::Empty,
                generation: 0,
                assignor: None,
                protocol: None,
                members: Vec::new(),
            },
            None => return None,
        };
        Some((membership, offsets))
    }

    /// Every group with members or committed offsets, by name.
    pub async fn list(&self) -> Vec<GroupSummary> {
        let mut names: Vec<String> = self.map().keys().cloned().collect();
        names.extend(self.store.groups());
        names.sort();
        names.dedup();
        let mut summaries = Vec::with_capacity(names.len());
        for name in names {
            if let Some((membership, _)) = self.membership(&name).await {
                summaries.push(GroupSummary {
                    group: name,
                    state: membership.state,
                    generation: membership.generation,
                    assignor: membership.assignor,
                    protocol_type: membership.protocol.map(|(kind, _)| kind),
                    members: membership.members.len() as u32,
                });
            }
        }
        summaries
    }

    /// Answers every waiting join with "shutting down" and refuses new ones, so a graceful
    /// stop does not wait for rebalances. Sessions are kept: members see the broker go away.
    pub async fn shutdown(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
        let groups: Vec<Arc<AsyncMutex<Group>>> = self.map().values().cloned().collect();
        for group in groups {
            let mut locked = group.lock_owned().await;
            for member in locked.members.values_mut() {
                member.pending_join = None;
            }
        }
    }

    /// Forgets every group `keep` refuses, members and all (in a cluster: groups whose coordinator
    /// moved to another broker, where their members join again). Waiting joins are dropped, which
    /// answers them "join again". Committed offsets stay in the store.
    pub async fn forget_unless(&self, keep: impl Fn(&str) -> bool) {
        let gone: Vec<Arc<AsyncMutex<Group>>> = self
            .map()
            .iter()
            .filter(|(name, _)| !keep(name))
            .map(|(_, group)| group.clone())
            .collect();
        for group in gone {
            let mut locked = group.lock_owned().await;
            if locked.dead {
                continue;
            }
            locked.members.clear();
            tracing::info!(
                group = locked.name,
                "group coordinator moved away; forgetting the group"
            );
            self.release(&mut locked);
        }
    }

    /// Expires members past their session and ends overdue rebalances, in every group.
    pub async fn expire(&self, counts: PartitionCounts<'_>) {
        let groups: Vec<Arc<AsyncMutex<Group>>> = self.map().values().cloned().collect();
        for group in groups {
            let mut locked = group.lock_owned().await;
            if locked.dead {
                continue;
            }
            locked.expire(Instant::now(), counts);
            self.release(&mut locked);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::TopicPartition;
    use super::*;
    use crate::storage::offset_store::MemoryOffsetStore;
    use tokio::sync::oneshot;

    fn six(topic: &str) -> Option<u32> {
        (topic == "t").then_some(6)
    }

    fn request(member_id: Option<&str>) -> JoinRequest {
        JoinRequest {
            group: "g".into(),
            member_id: member_id.map(str::to_string),
            client_id: "test".into(),
            topics: vec!["t".into()],
            session_timeout: Duration::from_millis(1000),
            rebalance_timeout: Duration::from_millis(1000),
            assignor: Assignor::Range,
            client_assigned: None,
        }
    }

    /// Joins and returns the receiver (the outcome arrives when the group is stable).
    fn join(
        group: &mut Group,
        member_id: Option<&str>,
        now: Instant,
    ) -> oneshot::Receiver<Result<JoinOutcome, GroupError>> {
        group.join(&request(member_id), now, &six).unwrap()
    }

    fn outcome(mut rx: oneshot::Receiver<Result<JoinOutcome, GroupError>>) -> JoinOutcome {
        rx.try_recv()
            .expect("join answered")
            .expect("join succeeded")
    }

    #[test]
    fn a_lone_member_gets_every_partition_at_once() {
        let mut group = Group::new("g");
        let now = Instant::now();
        let first = outcome(join(&mut group, None, now));
        assert_eq!(first.generation, 1);
        assert_eq!(first.assignment.len(), 6);
        assert_eq!(group.state, GroupState::Stable);
    }

    #[test]
    fn a_second_member_waits_until_the_first_rejoins_then_both_share() {
        let mut group = Group::new("g");
        let now = Instant::now();
        let a = outcome(join(&mut group, None, now));
        let mut b_rx = join(&mut group, None, now);
        assert!(b_rx.try_recv().is_err(), "b must wait for a to rejoin");
        assert_eq!(group.heartbeat(&a.member_id, a.generation, now), Ok(true));
        // a commits with its (still current) generation during the rebalance: allowed.
        assert_eq!(group.check_commit(Some((&a.member_id, 1))), Ok(()));
        let a2 = outcome(join(&mut group, Some(&a.member_id), now));
        let b = outcome(b_rx);
        assert_eq!((a2.generation, b.generation), (2, 2));
        assert_eq!(a2.assignment.len() + b.assignment.len(), 6);
        assert!(a2.assignment.iter().all(|tp| !b.assignment.contains(tp)));
        // The old generation is fenced now, for commits and heartbeats alike.
        assert!(matches!(
            group.check_commit(Some((&a.member_id, 1))),
            Err(GroupError::StaleGeneration { current: 2, .. })
        ));
        assert!(matches!(
            group.heartbeat(&a.member_id, 1, now),
            Err(GroupError::StaleGeneration { .. })
        ));
        assert!(matches!(
            group.check_commit(Some(("nobody", 2))),
            Err(GroupError::UnknownMember { .. })
        ));
        // Admin commits wait for an empty group.
        assert!(matches!(
            group.check_commit(None),
            Err(GroupError::NotEmpty { .. })
        ));
    }

    #[test]
    fn an_expired_member_is_removed_and_the_rest_rebalance() {
        let mut group = Group::new("g");
        let start = Instant::now();
        let a = outcome(join(&mut group, None, start));
        let b_rx = join(&mut group, None, start);
        let a = outcome(join(&mut group, Some(&a.member_id), start));
        let b = outcome(b_rx);
        assert_eq!(a.assignment.len(), 3);
        // a keeps heartbeating, b goes silent past its session.
        let later = start + Duration::from_millis(900);
        assert_eq!(group.heartbeat(&a.member_id, 2, later), Ok(false));
        group.expire(start + Duration::from_millis(1500), &six);
        assert!(!group.members.contains_key(&b.member_id));
        assert_eq!(group.state, GroupState::PreparingRebalance);
        let a = outcome(join(
            &mut group,
            Some(&a.member_id),
            start + Duration::from_millis(1600),
        ));
        assert_eq!((a.generation, a.assignment.len()), (3, 6));
    }

    #[test]
    fn a_member_that_does_not_rejoin_in_time_is_dropped_at_the_deadline() {
        let mut group = Group::new("g");
        let start = Instant::now();
        let a = outcome(join(&mut group, None, start));
        let b_rx = join(&mut group, None, start);
        // a heartbeats (so its session lives) but never rejoins.
        let mid = start + Duration::from_millis(800);
        assert_eq!(group.heartbeat(&a.member_id, 1, mid), Ok(true));
        group.expire(start + Duration::from_millis(1001), &six);
        let b = outcome(b_rx);
        assert_eq!((b.generation, b.assignment.len()), (2, 6));
        assert!(matches!(
            group.heartbeat(&a.member_id, 1, mid),
            Err(GroupError::UnknownMember { .. })
        ));
    }

    #[test]
    fn leaving_rebalances_at_once_and_the_last_leaver_empties_the_group() {
        let mut group = Group::new("g");
        let now = Instant::now();
        let a = outcome(join(&mut group, None, now));
        let b_rx = join(&mut group, None, now);
        let a = outcome(join(&mut group, Some(&a.member_id), now));
        let b = outcome(b_rx);
        group.leave(&b.member_id, now, &six).unwrap();
        assert_eq!(group.heartbeat(&a.member_id, 2, now), Ok(true));
        let a = outcome(join(&mut group, Some(&a.member_id), now));
        assert_eq!((a.generation, a.assignment.len()), (3, 6));
        group.leave(&a.member_id, now, &six).unwrap();
        assert_eq!(group.state, GroupState::Empty);
        assert_eq!(group.check_commit(None), Ok(()));
        assert!(matches!(
            group.leave(&a.member_id, now, &six),
            Err(GroupError::UnknownMember { .. })
        ));
    }

    #[test]
    fn a_topic_gaining_partitions_starts_a_rebalance() {
        let mut group = Group::new("g");
        let now = Instant::now();
        let a = outcome(join(&mut group, None, now));
        assert_eq!(a.assignment.len(), 6);
        group.expire(now, &six);
        assert_eq!(group.state, GroupState::Stable, "nothing changed");
        let eight = |topic: &str| (topic == "t").then_some(8);
        group.expire(now, &eight);
        assert_eq!(group.heartbeat(&a.member_id, 1, now), Ok(true));
        let a = outcome(
            group
                .join(&request(Some(&a.member_id)), now, &eight)
                .unwrap(),
        );
        assert_eq!((a.generation, a.assignment.len()), (2, 8));
    }

    #[test]
    fn a_member_asking_for_another_assignor_is_refused() {
        let mut group = Group::new("g");
        let now = Instant::now();
        outcome(join(&mut group, None, now));
        let mut other = request(None);
        other.assignor = Assignor::RoundRobin;
        assert!(matches!(
            group.join(&other, now, &six),
            Err(GroupError::InconsistentAssignor { .. })
        ));
    }

    #[tokio::test]
    async fn shutdown_answers_waiting_joins_at_once_and_refuses_new_ones() {
        let coordinator = Arc::new(GroupCoordinator::new(Arc::new(MemoryOffsetStore::new())));
        coordinator.join(request(None), &six).await.unwrap();
        let joiner = coordinator.clone();
        // The first member never rejoins, so this join would wait for the rebalance deadline.
        let waiting = tokio::spawn(async move { joiner.join(request(None), &six).await });
        let registered = tokio::time::timeout(Duration::from_secs(5), async {
            while coordinator
                .membership("g")
                .await
                .is_none_or(|(m, _)| m.members.len() < 2)
            {
                tokio::task::yield_now().await;
            }
        });
        registered.await.expect("the second join registers");
        coordinator.shutdown().await;
        let answered = tokio::time::timeout(Duration::from_secs(1), waiting)
            .await
            .expect("answered at once")
            .unwrap();
        assert!(
            matches!(answered, Err(BrokerError::ShuttingDown)),
            "{answered:?}"
        );
        assert!(matches!(
            coordinator.join(request(None), &six).await,
            Err(BrokerError::ShuttingDown)
        ));
    }

    #[tokio::test]
    async fn coordinator_fences_commits_and_keeps_deleted_groups_deleted() {
        let coordinator = GroupCoordinator::new(Arc::new(MemoryOffsetStore::new()));
        let commit = |offset| {
            vec![OffsetCommit {
                topic: "t".into(),
                partition: 0,
                offset,
            }]
        };
        let a = coordinator.join(request(None), &six).await.unwrap();
        coordinator
            .commit("g", Some((a.member_id.clone(), a.generation)), commit(3), 1)
            .await
            .unwrap();
        let stale = coordinator
            .commit(
                "g",
                Some((a.member_id.clone(), a.generation + 1)),
                commit(4),
                1,
            )
            .await
            .unwrap_err();
        assert!(matches!(
            stale,
            BrokerError::Group(GroupError::StaleGeneration { .. })
        ));
        let busy = coordinator.delete("g").await.unwrap_err();
        assert!(matches!(
            busy,
            BrokerError::Group(GroupError::NotEmpty { .. })
        ));
        coordinator.leave("g", &a.member_id, &six).await.unwrap();
        assert_eq!(
            coordinator.list().await.len(),
            1,
            "offsets keep the group listed"
        );
        coordinator.delete("g").await.unwrap();
        assert!(coordinator.list().await.is_empty());
        assert!(matches!(
            coordinator.delete("g").await,
            Err(BrokerError::Group(GroupError::NotFound(_)))
        ));
        assert!(matches!(
            coordinator.heartbeat("g", &a.member_id, 1).await,
            Err(BrokerError::Group(GroupError::UnknownMember { .. }))
        ));
    }

    fn client_request(member_id: Option<&str>, protocols: &[&str]) -> JoinRequest {
        JoinRequest {
            client_assigned: Some(super::super::ClientProtocols {
                protocol_type: "consumer".into(),
                protocols: protocols
                    .iter()
                    .map(|p| (p.to_string(), Bytes::from(format!("{p}-meta"))))
                    .collect(),
            }),
            ..request(member_id)
        }
    }

    fn client_join(
        group: &mut Group,
        member_id: Option<&str>,
        protocols: &[&str],
        now: Instant,
    ) -> oneshot::Receiver<Result<JoinOutcome, GroupError>> {
        group
            .join(&client_request(member_id, protocols), now, &six)
            .unwrap()
    }

    fn share(member_id: &str, data: &str, partitions: &[u32]) -> ClientAssignment {
        ClientAssignment {
            member_id: member_id.into(),
            data: Bytes::from(data.to_string()),
            partitions: partitions
                .iter()
                .map(|p| TopicPartition::new("t", *p))
                .collect(),
        }
    }

    fn member(id: &str, generation: u64) -> MemberRef {
        MemberRef {
            member_id: id.into(),
            generation,
        }
    }

    #[test]
    fn the_leader_of_a_client_assigned_group_gets_everyones_metadata_and_assigns() {
        let mut group = Group::new("g");
        let now = Instant::now();
        let a = outcome(client_join(&mut group, None, &["range", "roundrobin"], now));
        let a_client = a.client_assigned.clone().unwrap();
        assert_eq!(
            (a.generation, a_client.leader.as_str()),
            (1, a.member_id.as_str())
        );
        assert_eq!(group.state, GroupState::CompletingRebalance);
        // b speaks only roundrobin: the group moves to the protocol both speak.
        let b_rx = client_join(&mut group, None, &["roundrobin"], now);
        assert_eq!(group.heartbeat(&a.member_id, 1, now), Ok(true));
        let a2 = outcome(client_join(
            &mut group,
            Some(&a.member_id),
            &["range", "roundrobin"],
            now,
        ));
        let b = outcome(b_rx);
        let leader = a2.client_assigned.unwrap();
        assert_eq!(leader.protocol, "roundrobin");
        assert_eq!(leader.leader, a.member_id);
        assert_eq!(leader.members.len(), 2);
        assert!(
            leader
                .members
                .iter()
                .all(|(_, m)| m == &Bytes::from("roundrobin-meta"))
        );
        assert!(
            b.client_assigned.unwrap().members.is_empty(),
            "only the leader gets them"
        );
        // A commit between the joins and the assignment is refused; b's sync waits.
        assert_eq!(
            group.check_commit(Some((&b.member_id, 2))),
            Err(GroupError::RebalanceInProgress { group: "g".into() })
        );
        let mut b_sync = group.sync(&member(&b.member_id, 2), None, now).unwrap();
        assert!(b_sync.try_recv().is_err());
        let mut a_sync = group
            .sync(
                &member(&a.member_id, 2),
                Some(vec![
                    share(&a.member_id, "a-share", &[0, 1, 2]),
                    share(&b.member_id, "b-share", &[3, 4, 5]),
                ]),
                now,
            )
            .unwrap();
        assert_eq!(a_sync.try_recv().unwrap().unwrap(), Bytes::from("a-share"));
        assert_eq!(b_sync.try_recv().unwrap().unwrap(), Bytes::from("b-share"));
        assert_eq!(group.state, GroupState::Stable);
        assert_eq!(group.check_commit(Some((&b.member_id, 2))), Ok(()));
        let described = group.members_described();
        assert_eq!(
            described.iter().map(|m| m.assignment.len()).sum::<usize>(),
            6
        );
        assert_eq!(
            described[0].protocol_metadata,
            Bytes::from("roundrobin-meta")
        );
        // A stale generation's sync is fenced.
        assert!(matches!(
            group.sync(&member(&b.member_id, 1), None, now),
            Err(GroupError::StaleGeneration { .. })
        ));
    }

    #[test]
    fn a_rebalance_answers_waiting_syncs_and_kinds_of_groups_do_not_mix() {
        let mut group = Group::new("g");
        let now = Instant::now();
        let a = outcome(client_join(&mut group, None, &["range"], now));
        let mut waiting = group.sync(&member(&a.member_id, 1), None, now).unwrap();
        // A new member starts a rebalance: the waiting sync is told to join again.
        let _b = client_join(&mut group, None, &["range"], now);
        assert_eq!(
            waiting.try_recv().unwrap(),
            Err(GroupError::RebalanceInProgress { group: "g".into() })
        );
        assert!(matches!(
            group.join(&request(None), now, &six),
            Err(GroupError::InconsistentProtocol { .. })
        ));
        assert!(matches!(
            group.join(&client_request(None, &["sticky"]), now, &six),
            Err(GroupError::InconsistentProtocol { .. })
        ));
    }
}
