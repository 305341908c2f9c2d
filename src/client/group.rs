//! Consumer groups from the client side: the Groups calls, and [`GroupMember`], a member that
//! joins, heartbeats in the background, follows rebalances and commits.
//!
//! Proto types stop here; callers see the plain types below.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::wire::v1 as pb;

use super::{Client, ClientError, ClusterRouter, Result};

/// How often a member heartbeats when the broker gave no interval.
const DEFAULT_HEARTBEAT_INTERVAL_MS: u64 = 1_000;

/// The broker that coordinates a group in a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinatorInfo {
    pub id: u64,
    /// Where clients reach it (a URL).
    pub address: String,
}

/// One partition of one topic.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: u32,
}

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

impl Client {
    /// Joins a group (a new member when `member_id` is `None`) and waits until it is stable.
    pub async fn join_group(
        &self,
        group: &str,
        member_id: Option<&str>,
        topics: &[String],
        options: &JoinOptions,
    ) -> Result<GroupAssignment> {
        let response = self
            .groups
            .clone()
            .join_group(pb::JoinGroupRequest {
                group: group.to_string(),
                member_id: member_id.unwrap_or_default().to_string(),
                client_id: options.client_id.clone().unwrap_or_default(),
                topics: topics.to_vec(),
                session_timeout_ms: options.session_timeout_ms,
                rebalance_timeout_ms: options.rebalance_timeout_ms,
                assignor: options.assignor.clone().unwrap_or_default(),
            })
            .await?
            .into_inner();
        Ok(GroupAssignment {
            member_id: response.member_id,
            generation: response.generation,
            partitions: response
                .assignment
                .into_iter()
                .map(partition_from_wire)
                .collect(),
            session_timeout_ms: response.session_timeout_ms,
            heartbeat_interval_ms: response.heartbeat_interval_ms,
            assignor: response.assignor,
        })
    }

    /// Keeps a member's session alive; returns whether it must join again.
    pub async fn heartbeat(&self, group: &str, member_id: &str, generation: u64) -> Result<bool> {
        let response = self
            .groups
            .clone()
            .heartbeat(pb::HeartbeatRequest {
                group: group.to_string(),
                member_id: member_id.to_string(),
                generation,
            })
            .await?
            .into_inner();
        Ok(response.rebalance_needed)
    }

    /// Leaves a group at once, so the others take over its partitions.
    pub async fn leave_group(&self, group: &str, member_id: &str) -> Result<()> {
        self.groups
            .clone()
            .leave_group(pb::LeaveGroupRequest {
                group: group.to_string(),
                member_id: member_id.to_string(),
            })
            .await?;
        Ok(())
    }

    /// Commits offsets: as a member (`Some((member_id, generation))`, fenced) or, with `None`,
    /// as an admin while the group has no members.
    pub async fn commit_offsets(
        &self,
        group: &str,
        member: Option<(&str, u64)>,
        offsets: &[OffsetToCommit],
    ) -> Result<()> {
        self.groups
            .clone()
            .commit_offsets(pb::CommitOffsetsRequest {
                group: group.to_string(),
                member_id: member.map(|(id, _)| id.to_string()).unwrap_or_default(),
                generation: member.map(|(_, generation)| generation),
                offsets: offsets
                    .iter()
                    .map(|o| pb::OffsetToCommit {
                        topic: o.topic.clone(),
                        partition: o.partition,
                        offset: o.offset,
                    })
                    .collect(),
            })
            .await?;
        Ok(())
    }

    /// A group's committed offsets (only for `topics`, unless empty).
    pub async fn fetch_offsets(
        &self,
        group: &str,
        topics: &[String],
    ) -> Result<Vec<CommittedOffset>> {
        let response = self
            .groups
            .clone()
            .fetch_offsets(pb::FetchOffsetsRequest {
                group: group.to_string(),
                topics: topics.to_vec(),
            })
            .await?
            .into_inner();
        Ok(response
            .offsets
            .into_iter()
            .map(|o| CommittedOffset {
                topic: o.topic,
                partition: o.partition,
                offset: o.offset,
                commit_timestamp_ms: o.commit_timestamp_ms,
            })
            .collect())
    }

    /// Every group with members or committed offsets.
    pub async fn list_groups(&self) -> Result<Vec<GroupSummary>> {
        let response = self
            .groups
            .clone()
            .list_groups(pb::ListGroupsRequest {})
            .await?
            .into_inner();
        Ok(response
            .groups
            .into_iter()
            .map(|g| GroupSummary {
                group: g.group,
                state: g.state,
                generation: g.generation,
                assignor: g.assignor,
                members: g.members,
            })
            .collect())
    }

    /// A group's members and, per partition, committed offset, log end offset and LAG.
    pub async fn describe_group(&self, group: &str) -> Result<GroupInfo> {
        let g = self
            .groups
            .clone()
            .describe_group(pb::DescribeGroupRequest {
                group: group.to_string(),
            })
            .await?
            .into_inner();
        Ok(GroupInfo {
            group: g.group,
            state: g.state,
            generation: g.generation,
            assignor: g.assignor,
            members: g
                .members
                .into_iter()
                .map(|m| GroupMemberInfo {
                    member_id: m.member_id,
                    client_id: m.client_id,
                    topics: m.topics,
                    assignment: m.assignment.into_iter().map(partition_from_wire).collect(),
                    session_timeout_ms: m.session_timeout_ms,
                })
                .collect(),
            partitions: g
                .partitions
                .into_iter()
                .map(|p| GroupPartitionInfo {
                    topic: p.topic,
                    partition: p.partition,
                    committed_offset: p.committed_offset,
                    commit_timestamp_ms: p.commit_timestamp_ms,
                    log_end_offset: p.log_end_offset,
                    lag: p.lag,
                    member_id: Some(p.member_id).filter(|m| !m.is_empty()),
                })
                .collect(),
        })
    }

    /// Plans (and with `execute`, applies) new offsets for a topic's partitions (all when empty).
    pub async fn reset_offsets(
        &self,
        group: &str,
        topic: &str,
        partitions: &[u32],
        to: ResetTo,
        execute: bool,
    ) -> Result<Vec<OffsetResetPlan>> {
        use pb::reset_offsets_request::Target;
        let target = match to {
            ResetTo::Earliest => Target::ToEarliest(true),
            ResetTo::Latest => Target::ToLatest(true),
            ResetTo::Offset(offset) => Target::ToOffset(offset),
            ResetTo::Timestamp(ms) => Target::ToTimestampMs(ms),
            ResetTo::ShiftBy(delta) => Target::ShiftBy(delta),
        };
        let response = self
            .groups
            .clone()
            .reset_offsets(pb::ResetOffsetsRequest {
                group: group.to_string(),
                topic: topic.to_string(),
                partitions: partitions.to_vec(),
                target: Some(target),
                execute,
            })
            .await?
            .into_inner();
        Ok(response
            .plan
            .into_iter()
            .map(|p| OffsetResetPlan {
                topic: p.topic,
                partition: p.partition,
                current_offset: p.current_offset,
                new_offset: p.new_offset,
            })
            .collect())
    }

    /// Deletes a group and its committed offsets (refused while it has members).
    pub async fn delete_group(&self, group: &str) -> Result<()> {
        self.groups
            .clone()
            .delete_group(pb::DeleteGroupRequest {
                group: group.to_string(),
            })
            .await?;
        Ok(())
    }
}

impl Client {
    /// Which broker coordinates `group`, as this broker knows it: `None` outside a cluster, where
    /// every broker coordinates its own groups.
    pub async fn find_coordinator(&self, group: &str) -> Result<Option<CoordinatorInfo>> {
        let answer = self
            .cluster
            .clone()
            .find_coordinator(pb::FindCoordinatorRequest {
                group: group.to_string(),
            })
            .await;
        let answer = match answer {
            Ok(answer) => answer.into_inner(),
            // A broker from before clusters coordinates its own groups.
            Err(status) if status.code() == tonic::Code::Unimplemented => return Ok(None),
            Err(status) => return Err(status.into()),
        };
        if !answer.clustered {
            return Ok(None);
        }
        match answer.coordinator {
            Some(id) if !answer.address.is_empty() => Ok(Some(CoordinatorInfo {
                id,
                address: answer.address,
            })),
            _ => Err(tonic::Status::unavailable(format!(
                "no broker coordinates group {group:?} now (no live broker); retry shortly"
            ))
            .into()),
        }
    }

    /// In a cluster: fills in the log end offset and LAG of the partitions the group's
    /// coordinator holds no replica of (it leaves them empty), asking each partition's leader.
    /// A partition whose leader cannot be asked keeps them empty. Outside a cluster, nothing.
    pub async fn fill_log_ends(&self, info: &mut GroupInfo) -> Result<()> {
        if info.partitions.iter().all(|p| p.log_end_offset.is_some()) {
            return Ok(());
        }
        let router = Arc::new(ClusterRouter::new(self.clone()).await?);
        if !router.clustered() {
            return Ok(());
        }
        for partition in info
            .partitions
            .iter_mut()
            .filter(|p| p.log_end_offset.is_none())
        {
            let mut reader =
                super::LeaderReader::new(router.clone(), &partition.topic, partition.partition)
                    .retrying_within(Some(Duration::ZERO));
            if let Ok(bounds) = reader.list_offset(super::Offset::Latest).await {
                partition.log_end_offset = Some(bounds.end_offset);
                partition.lag = partition
                    .committed_offset
                    .map(|committed| bounds.end_offset.saturating_sub(committed));
            }
        }
        Ok(())
    }

    /// Plans (and with `execute`, applies) new offsets for a topic's partitions (all when
    /// `partitions` is empty), wherever the group's coordinator is. Outside a cluster it is
    /// [`Client::reset_offsets`]. In a cluster the coordinator may lead none of the partitions
    /// whose bounds a plan needs, so the plan is made here from each partition's leader, and
    /// executed as an admin commit at the coordinator, which, like a reset, is refused while
    /// the group has members.
    pub async fn reset_offsets_anywhere(
        &self,
        group: &str,
        topic: &str,
        partitions: &[u32],
        to: ResetTo,
        execute: bool,
    ) -> Result<Vec<OffsetResetPlan>> {
        let coordinator = self.for_coordinator_of(group).await?;
        let router = Arc::new(ClusterRouter::new(self.clone()).await?);
        if !router.clustered() {
            return coordinator
                .reset_offsets(group, topic, partitions, to, execute)
                .await;
        }
        let count = router.partition_count(topic).await?;
        let chosen: Vec<u32> = if partitions.is_empty() {
            (0..count).collect()
        } else {
            partitions
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        if let Some(missing) = chosen.iter().find(|p| **p >= count) {
            return Err(tonic::Status::not_found(format!(
                "topic {topic:?} has no partition {missing} (it has {count})"
            ))
            .into());
        }
        let committed = match coordinator.fetch_offsets(group, &[topic.to_string()]).await {
            Ok(offsets) => offsets,
            Err(e) if e.code() == Some(tonic::Code::NotFound) => Vec::new(),
            Err(e) => return Err(e),
        };
        let mut plan = Vec::with_capacity(chosen.len());
        for partition in chosen {
            let mut leader = super::LeaderReader::new(router.clone(), topic, partition);
            let bounds = leader.list_offset(super::Offset::Earliest).await?;
            let (start, end) = (bounds.start_offset, bounds.end_offset);
            let current = committed
                .iter()
                .find(|c| c.partition == partition)
                .map(|c| c.offset);
            let new_offset = match to {
                ResetTo::Earliest => start,
                ResetTo::Latest => end,
                ResetTo::Offset(offset) => offset.clamp(start, end),
                ResetTo::Timestamp(ms) => leader
                    .list_offset(super::Offset::Timestamp(ms))
                    .await?
                    .resolved_offset
                    .unwrap_or(end),
                ResetTo::ShiftBy(delta) => current
                    .unwrap_or(start)
                    .saturating_add_signed(delta)
                    .clamp(start, end),
            };
            plan.push(OffsetResetPlan {
                topic: topic.to_string(),
                partition,
                current_offset: current,
                new_offset,
            });
        }
        if execute && !plan.is_empty() {
            let offsets: Vec<OffsetToCommit> = plan
                .iter()
                .map(|p| OffsetToCommit {
                    topic: p.topic.clone(),
                    partition: p.partition,
                    offset: p.new_offset,
                })
                .collect();
            coordinator.commit_offsets(group, None, &offsets).await?;
        }
        Ok(plan)
    }

    /// Every group of the cluster: each broker lists the groups it coordinates (with their
    /// members) and every group with committed offsets, so the brokers' lists are merged, the
    /// coordinator's entry winning. Outside a cluster, [`Client::list_groups`].
    pub async fn list_all_groups(&self) -> Result<Vec<GroupSummary>> {
        let router = ClusterRouter::new(self.clone()).await?;
        if !router.clustered() {
            return self.list_groups().await;
        }
        let mut merged: std::collections::BTreeMap<String, GroupSummary> = Default::default();
        for broker in router.view().metadata.brokers.iter().filter(|b| b.alive) {
            let listed = match router.client_at(&broker.address).await {
                Ok(client) => client.list_groups().await,
                Err(e) => Err(e),
            };
            let groups = match listed {
                Ok(groups) => groups,
                // One broker gone since the metadata was read: the others still answer.
                Err(e) if e.is_connection_failure() => continue,
                Err(e) => return Err(e),
            };
            for group in groups {
                let wins = merged.get(&group.group).is_none_or(|known| {
                    (group.members, group.generation) > (known.members, known.generation)
                });
                if wins {
                    merged.insert(group.group.clone(), group);
                }
            }
        }
        Ok(merged.into_values().collect())
    }

    /// A client for the broker that coordinates `group`: this client outside a cluster, or when
    /// it is connected to the coordinator.
    pub async fn for_coordinator_of(&self, group: &str) -> Result<Client> {
        Ok(self.coordinator_of(group).await?.0)
    }

    /// [`Client::for_coordinator_of`], with which broker that is (`None` outside a cluster).
    pub async fn coordinator_of(&self, group: &str) -> Result<(Client, Option<CoordinatorInfo>)> {
        let found = self.find_coordinator(group).await?;
        let client = match &found {
            Some(coordinator) if coordinator.address != self.address => {
                self.target.at(&coordinator.address).connect().await?
            }
            _ => self.clone(),
        };
        Ok((client, found))
    }
}

/// Whether the broker does not coordinate the group (in a cluster): look the coordinator up
/// again and go there.
pub fn is_not_coordinator(error: &ClientError) -> bool {
    matches!(error, ClientError::Status(s) if s.metadata().contains_key(crate::wire::NOT_COORDINATOR_KEY))
}

/// The status a member's call ends with when its group's coordinator moved: like a fenced call,
/// it means "join again" (at the new coordinator, which does not know this member yet).
fn coordinator_moved(group: &str, error: &ClientError) -> ClientError {
    tonic::Status::aborted(format!(
        "the coordinator of group {group:?} moved ({error}); join again"
    ))
    .into()
}

/// A "not the coordinator" answer while the cluster has not yet settled on a new coordinator
/// becomes UNAVAILABLE: retry shortly, as for a broker that is away.
fn not_settled(group: &str, error: ClientError) -> ClientError {
    if !is_not_coordinator(&error) {
        return error;
    }
    tonic::Status::unavailable(format!(
        "group {group:?} has no settled coordinator yet ({error}); retry shortly"
    ))
    .into()
}

/// The broker a member talks to: its group's coordinator, looked up again when it moves.
struct CoordinatorLink {
    group: String,
    /// Asks the brokers where the coordinator is, and pools the connections.
    router: Arc<ClusterRouter>,
    current: Mutex<Client>,
}

impl CoordinatorLink {
    /// Finds `group`'s coordinator through `router`'s brokers.
    async fn open(router: Arc<ClusterRouter>, group: &str) -> Result<CoordinatorLink> {
        let current = Self::find(&router, group).await?;
        Ok(CoordinatorLink {
            group: group.to_string(),
            router,
            current: Mutex::new(current),
        })
    }

    /// A client for `group`'s coordinator, as the first broker that answers names it; outside a
    /// cluster the connected broker, which coordinates its own groups.
    async fn find(router: &ClusterRouter, group: &str) -> Result<Client> {
        let coordinator = router
            .ask_any(|broker| async move { broker.find_coordinator(group).await })
            .await?;
        match coordinator {
            Some(coordinator) => router.client_at(&coordinator.address).await,
            None => Ok(router.seed().clone()),
        }
    }

    fn client(&self) -> Client {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Looks the coordinator up again; returns whether it moved. Outside a cluster it never
    /// moves.
    async fn relocate(&self) -> bool {
        let before = self.client().address().to_string();
        let Ok(coordinator) = Self::find(&self.router, &self.group).await else {
            return false;
        };
        let moved = coordinator.address() != before;
        if moved {
            tracing::info!(
                group = self.group,
                from = before,
                to = coordinator.address(),
                "the group's coordinator moved"
            );
            *self.current.lock().unwrap_or_else(|e| e.into_inner()) = coordinator;
        }
        moved
    }

    /// After a failed call: looks the coordinator up again when the error says it is not (or
    /// may not be) where it was; a "not the coordinator" answer becomes "join again".
    async fn after_error(&self, error: ClientError) -> ClientError {
        if is_not_coordinator(&error) {
            self.relocate().await;
            return coordinator_moved(&self.group, &error);
        }
        if error.is_connection_failure() && self.relocate().await {
            return coordinator_moved(&self.group, &error);
        }
        error
    }
}

/// Whether an error means the member's view of the group is out of date and it must join again.
pub fn must_rejoin(error: &ClientError) -> bool {
    error.code() == Some(tonic::Code::Aborted)
}

/// What the member and its heartbeat task share.
struct Shared {
    assignment: Mutex<GroupAssignment>,
    /// Set while a join is in flight: heartbeats pause, as the broker counts the join as liveness.
    joining: AtomicBool,
    /// Turns true when the member must join again (a rebalance, or fenced).
    rejoin: watch::Sender<bool>,
}

impl Shared {
    fn current(&self) -> GroupAssignment {
        self.assignment
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set(&self, assignment: GroupAssignment) {
        *self.assignment.lock().unwrap_or_else(|e| e.into_inner()) = assignment;
    }
}

/// Marks a join in flight until dropped, so a cancelled join does not stop heartbeats for good.
struct Joining<'a>(&'a Shared);

impl<'a> Joining<'a> {
    fn start(shared: &'a Shared) -> Self {
        shared.joining.store(true, Ordering::SeqCst);
        Joining(shared)
    }
}

impl Drop for Joining<'_> {
    fn drop(&mut self) {
        self.0.joining.store(false, Ordering::SeqCst);
    }
}

/// A member of a consumer group: joined on creation, heartbeating in the background until it
/// leaves or is dropped. When [`GroupMember::rebalance_needed`] fires, stop reading the current
/// partitions, commit, and call [`GroupMember::rejoin`] for the new assignment.
///
/// In a cluster the member talks to its group's coordinator, wherever it is; when the coordinator
/// moves, calls fail as fenced ones do ([`must_rejoin`]) and the member joins the new one.
pub struct GroupMember {
    coordinator: Arc<CoordinatorLink>,
    group: String,
    topics: Vec<String>,
    options: JoinOptions,
    shared: Arc<Shared>,
    heartbeat: tokio::task::JoinHandle<()>,
}

impl GroupMember {
    /// Joins `group` as a new member reading `topics`, through the group's coordinator (found by
    /// asking `router`'s brokers); returns once the group is stable.
    pub async fn join(
        router: Arc<ClusterRouter>,
        group: &str,
        topics: Vec<String>,
        options: JoinOptions,
    ) -> Result<GroupMember> {
        let coordinator = Arc::new(CoordinatorLink::open(router, group).await?);
        let joined = coordinator
            .client()
            .join_group(group, None, &topics, &options)
            .await;
        let assignment = match joined {
            Ok(assignment) => assignment,
            // Moved between the lookup and the join: once more, at the new coordinator.
            Err(e) if is_not_coordinator(&e) => {
                coordinator.relocate().await;
                coordinator
                    .client()
                    .join_group(group, None, &topics, &options)
                    .await?
            }
            Err(e) => return Err(e),
        };
        let (rejoin, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            assignment: Mutex::new(assignment),
            joining: AtomicBool::new(false),
            rejoin,
        });
        let heartbeat = tokio::spawn(heartbeat_loop(coordinator.clone(), shared.clone()));
        Ok(GroupMember {
            coordinator,
            group: group.to_string(),
            topics,
            options,
            shared,
            heartbeat,
        })
    }

    /// The group this member belongs to.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The current assignment. Between a rebalance signal and [`GroupMember::rejoin`] it is the
    /// previous generation's, which commits are still accepted for.
    pub fn assignment(&self) -> GroupAssignment {
        self.shared.current()
    }

    /// Completes when the member must join again; at once if that is already known.
    pub async fn rebalance_needed(&self) {
        let mut flag = self.shared.rejoin.subscribe();
        let _ = flag.wait_for(|needed| *needed).await;
    }

    /// Commits offsets as this member, fenced by its id and generation.
    pub async fn commit(&self, offsets: &[OffsetToCommit]) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let assignment = self.assignment();
        let committed = self
            .coordinator
            .client()
            .commit_offsets(
                &self.group,
                Some((&assignment.member_id, assignment.generation)),
                offsets,
            )
            .await;
        match committed {
            Ok(()) => Ok(()),
            // A coordinator that does not know the member (it moved here, or restarted, since
            // the member joined) answers ABORTED: join again.
            Err(e) => Err(self.coordinator.after_error(e).await),
        }
    }

    /// The group's committed offsets for the member's topics.
    pub async fn committed(&self) -> Result<Vec<CommittedOffset>> {
        let mut fetched = self
            .coordinator
            .client()
            .fetch_offsets(&self.group, &self.topics)
            .await;
        if let Err(e) = &fetched
            && is_not_coordinator(e)
            && self.coordinator.relocate().await
        {
            fetched = self
                .coordinator
                .client()
                .fetch_offsets(&self.group, &self.topics)
                .await;
        }
        match fetched {
            Err(e) if e.code() == Some(tonic::Code::NotFound) => Ok(Vec::new()),
            other => other,
        }
    }

    /// Joins again after a rebalance signal (commit first!); returns the new assignment. A member
    /// the broker no longer knows (its session expired, or its coordinator moved) joins as a new
    /// member.
    pub async fn rejoin(&mut self) -> Result<GroupAssignment> {
        let previous = self.assignment();
        let _joining = Joining::start(&self.shared);
        let mut member_id = Some(previous.member_id.clone());
        // A join may meet a moved coordinator, then a member it does not know: three attempts
        // cover both.
        let mut attempts_left = 3;
        let assignment = loop {
            attempts_left -= 1;
            let joined = self
                .coordinator
                .client()
                .join_group(
                    &self.group,
                    member_id.as_deref(),
                    &self.topics,
                    &self.options,
                )
                .await;
            match joined {
                Ok(assignment) => break assignment,
                Err(e) if attempts_left == 0 => return Err(not_settled(&self.group, e)),
                Err(e) if must_rejoin(&e) => member_id = None,
                Err(e) if is_not_coordinator(&e) || e.is_connection_failure() => {
                    if !self.coordinator.relocate().await {
                        return Err(not_settled(&self.group, e));
                    }
                    member_id = None;
                }
                Err(e) => return Err(e),
            }
        };
        self.shared.set(assignment.clone());
        self.shared.rejoin.send_replace(false);
        Ok(assignment)
    }

    /// Leaves the group at once so the others take over without waiting for a session timeout.
    pub async fn leave(self) -> Result<()> {
        self.heartbeat.abort();
        let assignment = self.assignment();
        match self
            .coordinator
            .client()
            .leave_group(&self.group, &assignment.member_id)
            .await
        {
            // Already gone (expired, or its coordinator moved): nothing to leave.
            Err(e) if must_rejoin(&e) || is_not_coordinator(&e) => Ok(()),
            other => other,
        }
    }
}

impl Drop for GroupMember {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

/// Heartbeats every interval the broker asked for; raises the rejoin flag when the broker says
/// so, has fenced the member, or the group's coordinator moved. Answers about a generation that
/// is no longer current are ignored.
async fn heartbeat_loop(coordinator: Arc<CoordinatorLink>, shared: Arc<Shared>) {
    let group = coordinator.group.clone();
    loop {
        // The interval the broker gave with the current assignment (a third of the session).
        let interval_ms = shared.current().heartbeat_interval_ms;
        let wait_ms = if interval_ms == 0 {
            DEFAULT_HEARTBEAT_INTERVAL_MS
        } else {
            u64::from(interval_ms)
        };
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        if shared.joining.load(Ordering::SeqCst) {
            continue;
        }
        let sent = shared.current();
        let answer = coordinator
            .client()
            .heartbeat(&group, &sent.member_id, sent.generation)
            .await;
        let answer = match answer {
            Err(e) => Err(coordinator.after_error(e).await),
            ok => ok,
        };
        let now = shared.current();
        let still_current = !shared.joining.load(Ordering::SeqCst)
            && now.member_id == sent.member_id
            && now.generation == sent.generation;
        if !still_current {
            continue;
        }
        match answer {
            Ok(false) => {}
            Ok(true) => {
                shared.rejoin.send_replace(true);
            }
            Err(e) if must_rejoin(&e) => {
                tracing::warn!(group, error = %e, "fenced by the broker; joining again");
                shared.rejoin.send_replace(true);
            }
            Err(e) => tracing::warn!(group, error = %e, "heartbeat failed; retrying"),
        }
    }
}
