//! Consumer groups: members share a topic's partitions and commit how far they have read.
//!
//! - `state`: one group's membership state machine (joins, rebalances, fencing).
//! - [`coordinator`]: every group, locked one at a time, and their offsets ([`GroupCoordinator`]).
//! - [`assignment`]: the range and round-robin assignors.
//! - This file: the engine's group types and errors, and the [`Broker`] methods the wire calls,
//!   which add what needs topics (validation, log end offsets, LAG, offset resets).
//!
//! Committed offsets live in a [`crate::storage::offset_store::OffsetStore`]. A group exists while
//! it has members or committed offsets; deleting it removes its offsets durably.

pub mod assignment;
pub mod coordinator;
mod state;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use crate::storage::offset_store::{CommittedOffset, MAX_OFFSETS_PER_COMMIT, OffsetCommit};

use super::{Broker, BrokerError, names, now_ms};

pub use assignment::Assignor;
pub use coordinator::GroupCoordinator;

/// Session timeout of a member that asks for none.
pub const DEFAULT_SESSION_TIMEOUT_MS: u32 = 10_000;
/// The shortest session timeout a member may ask for.
pub const MIN_SESSION_TIMEOUT_MS: u32 = 1_000;
/// The longest session timeout a member may ask for.
pub const MAX_SESSION_TIMEOUT_MS: u32 = 300_000;
/// The longest a rebalance may wait for members to join again.
pub const MAX_REBALANCE_TIMEOUT_MS: u32 = 300_000;
/// The most members one group may have.
pub const MAX_GROUP_MEMBERS: usize = 1_000;
/// The most groups with members one broker holds at once.
pub const MAX_GROUPS: usize = 100_000;
/// The most topics one member may subscribe to.
pub const MAX_SUBSCRIBED_TOPICS: usize = 1_000;
/// How often the broker looks for expired sessions and overdue rebalances.
pub const EXPIRY_CHECK_INTERVAL_MS: u64 = 100;
/// Client id of a member that gives none; it prefixes the member id.
pub const DEFAULT_CLIENT_ID: &str = "flashq";

/// A topic's partition count by name, `None` for a topic that does not exist.
pub type PartitionCounts<'a> = &'a (dyn Fn(&str) -> Option<u32> + Sync);

/// Where groups sit in a cluster (implemented over the cluster's metadata); a broker without one
/// coordinates every group itself and knows topics from its own logs.
pub trait GroupPlacement: Send + Sync {
    /// `Ok` when this broker coordinates `group` now; else the coordinator's broker id, `None`
    /// while no broker does.
    fn check_coordinator(&self, group: &str) -> Result<(), Option<u64>>;

    /// A topic's partition count in the whole cluster, `None` when it does not exist: the
    /// coordinator of a group may hold no replica of the topics the group reads.
    fn partition_count(&self, topic: &str) -> Option<u32>;
}

pub use crate::protocol::TopicPartition;

/// Where a group is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupState {
    /// No members (it may still have committed offsets).
    Empty,
    /// Waiting for members to join again before assigning partitions.
    PreparingRebalance,
    /// A group whose members assign partitions themselves (Kafka's protocol): every member
    /// has joined, and the group waits for its leader's assignment.
    CompletingRebalance,
    /// Every member has its partitions for the current generation.
    Stable,
}

impl GroupState {
    /// The name used on the wire and in output.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
        }
    }
}

/// Errors of group membership and offsets, each with the action a client should take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    #[error("group {0:?} does not exist")]
    NotFound(String),
    #[error(
        "member {member_id:?} is not in group {group:?} (it left, or its session expired): join again"
    )]
    UnknownMember { group: String, member_id: String },
    #[error(
        "stale generation {generation} from member {member_id:?} of group {group:?}: the group is at generation {current}; join again"
    )]
    StaleGeneration {
        group: String,
        member_id: String,
        generation: u64,
        current: u64,
    },
    #[error("cannot {action}: group {group:?} has {members} active member(s); stop them first")]
    NotEmpty {
        group: String,
        members: usize,
        action: String,
    },
    /// A member that assigns partitions itself asked to join a group whose broker assigns them,
    /// or the reverse, or one whose protocols share none with the group's.
    #[error("member of group {group:?} does not speak the group's protocol: {reason}")]
    InconsistentProtocol { group: String, reason: String },
    /// The group is rebalancing: the member must join again before it syncs or commits.
    #[error("group {group:?} is rebalancing: join again")]
    RebalanceInProgress { group: String },
    #[error("group {group:?} uses the {current} assignor, but this member asked for {requested}")]
    InconsistentAssignor {
        group: String,
        current: Assignor,
        requested: Assignor,
    },
    #[error(
        "the join of member {member_id:?} to group {group:?} was cut short (another join, a leave or a shutdown): join again"
    )]
    JoinSuperseded { group: String, member_id: String },
    #[error("group {group:?} has {MAX_GROUP_MEMBERS} members, the most a group may have")]
    TooManyMembers { group: String },
    #[error("the broker holds {MAX_GROUPS} active groups, the most it may")]
    TooManyGroups,
    /// In a cluster: another broker coordinates the group.
    #[error("this broker does not coordinate group {group:?}; {}", match .coordinator { Some(c) => format!("broker {c} does"), None => "no broker does now".to_string() })]
    NotCoordinator {
        group: String,
        coordinator: Option<u64>,
    },
}

/// A member's request to join a group.
#[derive(Debug, Clone)]
pub struct JoinRequest {
    pub group: String,
    /// `None` for a new member; the broker assigns the id.
    pub member_id: Option<String>,
    /// Prefixes the member id, so people can tell members apart.
    pub client_id: String,
    pub topics: Vec<String>,
    pub session_timeout: Duration,
    pub rebalance_timeout: Duration,
    pub assignor: Assignor,
    /// `Some` for a member that assigns partitions itself (Kafka's group protocol): the
    /// protocol type and its protocols by preference, each with its opaque metadata.
    pub client_assigned: Option<ClientProtocols>,
}

/// What a member that assigns partitions itself joins with: a protocol type ("consumer" for
/// Kafka's consumers) and the protocols it speaks, preferred first, with their metadata. The
/// engine never reads the metadata; it picks the protocol every member speaks and hands the
/// leader everyone's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientProtocols {
    pub protocol_type: String,
    pub protocols: Vec<(String, bytes::Bytes)>,
}

/// One member's share of a leader's assignment: the opaque bytes for the member, and the
/// partitions they hold (decoded by the wire layer, for `describe` and LAG).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAssignment {
    pub member_id: String,
    pub data: bytes::Bytes,
    pub partitions: Vec<TopicPartition>,
}

/// What a completed join gives a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinOutcome {
    pub member_id: String,
    pub generation: u64,
    pub assignment: Vec<TopicPartition>,
    pub session_timeout_ms: u32,
    /// How often the member should heartbeat.
    pub heartbeat_interval_ms: u32,
    pub assignor: Assignor,
    /// For a member that assigns partitions itself: the protocol chosen, the leader, and (for
    /// the leader only) every member with its metadata for that protocol.
    pub client_assigned: Option<ClientJoinOutcome>,
}

/// The client-assigned part of [`JoinOutcome`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientJoinOutcome {
    pub protocol: String,
    pub leader: String,
    pub members: Vec<(String, bytes::Bytes)>,
}

/// One member as `describe` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberDescription {
    pub member_id: String,
    pub client_id: String,
    pub topics: Vec<String>,
    pub assignment: Vec<TopicPartition>,
    pub session_timeout_ms: u32,
    /// A client-assigned member's metadata for the group's protocol and its assignment, as the
    /// member sent and got them (empty for broker-assigned members).
    pub protocol_metadata: bytes::Bytes,
    pub assignment_data: bytes::Bytes,
}

/// One partition of a group: committed offset, log end and LAG, and who owns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOffsets {
    pub topic: String,
    pub partition: u32,
    pub committed: Option<CommittedOffset>,
    /// `None` when the topic no longer exists.
    pub log_end_offset: Option<u64>,
    /// Log end minus committed offset; `None` without both.
    pub lag: Option<u64>,
    pub member_id: Option<String>,
}

/// A group's members and per-partition offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDescription {
    pub group: String,
    pub state: GroupState,
    pub generation: u64,
    /// `None` for a group without members.
    pub assignor: Option<Assignor>,
    /// For a group whose members assign partitions: its protocol type and chosen protocol.
    pub protocol: Option<(String, String)>,
    pub members: Vec<MemberDescription>,
    pub partitions: Vec<PartitionOffsets>,
}

/// One line of `group list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupSummary {
    pub group: String,
    pub state: GroupState,
    pub generation: u64,
    pub assignor: Option<Assignor>,
    /// For a group whose members assign partitions: its protocol type (Kafka's "consumer").
    pub protocol_type: Option<String>,
    pub members: u32,
}

/// Where reset-offsets moves a group's offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetTarget {
    Earliest,
    Latest,
    /// This offset, clamped to the partition's range.
    Offset(u64),
    /// The first record at or after this time (ms since the Unix epoch), else the log end.
    Timestamp(i64),
    /// The committed offset moved by this much (from the log start when none is committed),
    /// clamped to the partition's range.
    ShiftBy(i64),
}

/// One partition's planned (or applied) reset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetPlan {
    pub topic: String,
    pub partition: u32,
    pub current: Option<u64>,
    pub new_offset: u64,
}

/// A member's identity for fenced calls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRef {
    pub member_id: String,
    pub generation: u64,
}

fn invalid(message: impl Into<String>) -> BrokerError {
    BrokerError::InvalidArgument(message.into())
}

fn check_group_name(group: &str) -> Result<(), BrokerError> {
    names::validate_name("group", group).map_err(BrokerError::InvalidArgument)
}

fn check_timeout(what: &str, ms: u32, min: u32, max: u32) -> Result<Duration, BrokerError> {
    if !(min..=max).contains(&ms) {
        return Err(invalid(format!(
            "{what} must be between {min} and {max} ms, got {ms}"
        )));
    }
    Ok(Duration::from_millis(ms as u64))
}

impl Broker {
    /// The group coordinator.
    pub fn groups(&self) -> &GroupCoordinator {
        &self.groups
    }

    /// A topic's partition count: the cluster's when there is one, else this broker's own.
    fn partition_count(&self, topic: &str) -> Option<u32> {
        match &self.group_placement {
            Some(placement) => placement.partition_count(topic),
            None => self.topic(topic).ok().map(|t| t.partition_count()),
        }
    }

    /// Checks the group's name and, in a cluster, that this broker coordinates it.
    fn check_group(&self, group: &str) -> Result<(), BrokerError> {
        check_group_name(group)?;
        match &self.group_placement {
            Some(placement) => placement.check_coordinator(group).map_err(|coordinator| {
                GroupError::NotCoordinator {
                    group: group.to_string(),
                    coordinator,
                }
                .into()
            }),
            None => Ok(()),
        }
    }

    /// Checks that a commit names an existing partition and, where this broker leads the
    /// partition (or is a single broker), that the offset is not past its log end.
    fn check_commit(&self, commit: &OffsetCommit) -> Result<(), BrokerError> {
        match self.topic(&commit.topic) {
            Ok(topic) => {
                let Some(end) = topic.partition(commit.partition)?.leader_end_offset() else {
                    return Ok(());
                };
                if commit.offset > end {
                    return Err(invalid(format!(
                        "offset {} of {}/{} is past the log end offset {end}",
                        commit.offset, commit.topic, commit.partition
                    )));
                }
                Ok(())
            }
            // A coordinator without a replica of the topic checks the partition exists.
            Err(BrokerError::TopicNotFound(_)) => {
                let partitions = self
                    .partition_count(&commit.topic)
                    .ok_or_else(|| BrokerError::TopicNotFound(commit.topic.clone()))?;
                if commit.partition >= partitions {
                    return Err(BrokerError::PartitionNotFound {
                        topic: commit.topic.clone(),
                        partition: commit.partition,
                        partitions,
                    });
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// Joins a group and waits until it is stable; returns the member's id, generation and
    /// partitions. Timeouts default to [`DEFAULT_SESSION_TIMEOUT_MS`] (rebalance: the session's).
    #[allow(clippy::too_many_arguments)]
    pub async fn join_group(
        &self,
        group: &str,
        member_id: Option<String>,
        client_id: Option<String>,
        topics: Vec<String>,
        session_timeout_ms: Option<u32>,
        rebalance_timeout_ms: Option<u32>,
        assignor: Assignor,
    ) -> Result<JoinOutcome, BrokerError> {
        self.check_group(group)?;
        if topics.is_empty() || topics.len() > MAX_SUBSCRIBED_TOPICS {
            return Err(invalid(format!(
                "a member must subscribe to between 1 and {MAX_SUBSCRIBED_TOPICS} topics, got {}",
                topics.len()
            )));
        }
        let topics: Vec<String> = topics
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        for topic in &topics {
            super::check_topic_name(topic)?;
            if self.partition_count(topic).is_none() {
                return Err(BrokerError::TopicNotFound(topic.clone()));
            }
        }
        let client_id = client_id
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| DEFAULT_CLIENT_ID.to_string());
        names::validate_name("client id", &client_id).map_err(BrokerError::InvalidArgument)?;
        let request = Self::join_request(
            group,
            member_id,
            client_id,
            topics,
            (session_timeout_ms, rebalance_timeout_ms),
            assignor,
            None,
        )?;
        self.groups
            .join(request, &|topic| self.partition_count(topic))
            .await
    }

    /// Joins a group whose members assign partitions themselves (Kafka's group protocol) and
    /// waits for the group to choose its protocol and leader; the leader then sends everyone's
    /// assignment with [`Broker::sync_group`]. `topics` are what the member subscribes to, as
    /// its protocol metadata says (they need not exist yet: they get no partitions). A client
    /// id FlashQ's names do not allow has those characters replaced.
    #[allow(clippy::too_many_arguments)]
    pub async fn join_client_assigned_group(
        &self,
        group: &str,
        member_id: Option<String>,
        client_id: &str,
        topics: Vec<String>,
        session_timeout_ms: u32,
        rebalance_timeout_ms: u32,
        protocols: ClientProtocols,
    ) -> Result<JoinOutcome, BrokerError> {
        self.check_group(group)?;
        if protocols.protocols.is_empty() {
            return Err(invalid("a member must name at least one protocol"));
        }
        let mut topics: Vec<String> = topics
            .into_iter()
            .filter(|t| super::check_topic_name(t).is_ok())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        topics.truncate(MAX_SUBSCRIBED_TOPICS);
        let client_id: String = client_id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .take(names::MAX_NAME_BYTES)
            .collect();
        let client_id = if client_id.is_empty() || client_id.starts_with('.') {
            DEFAULT_CLIENT_ID.to_string()
        } else {
            client_id
        };
        let request = Self::join_request(
            group,
            member_id,
            client_id,
            topics,
            (Some(session_timeout_ms), Some(rebalance_timeout_ms)),
            Assignor::default(),
            Some(protocols),
        )?;
        self.groups
            .join(request, &|topic| self.partition_count(topic))
            .await
    }

    /// The leader's assignment for the generation it leads, or (from any member) a wait for it;
    /// returns the caller's own share.
    pub async fn sync_group(
        &self,
        group: &str,
        member: &MemberRef,
        assignments: Option<Vec<ClientAssignment>>,
    ) -> Result<bytes::Bytes, BrokerError> {
        self.check_group(group)?;
        self.groups.sync(group, member, assignments).await
    }

    fn join_request(
        group: &str,
        member_id: Option<String>,
        client_id: String,
        topics: Vec<String>,
        (session_timeout_ms, rebalance_timeout_ms): (Option<u32>, Option<u32>),
        assignor: Assignor,
        client_assigned: Option<ClientProtocols>,
    ) -> Result<JoinRequest, BrokerError> {
        let session_ms = session_timeout_ms.unwrap_or(DEFAULT_SESSION_TIMEOUT_MS);
        let session_timeout = check_timeout(
            "session_timeout_ms",
            session_ms,
            MIN_SESSION_TIMEOUT_MS,
            MAX_SESSION_TIMEOUT_MS,
        )?;
        let rebalance_timeout = check_timeout(
            "rebalance_timeout_ms",
            rebalance_timeout_ms.unwrap_or(session_ms),
            MIN_SESSION_TIMEOUT_MS,
            MAX_REBALANCE_TIMEOUT_MS,
        )?;
        Ok(JoinRequest {
            group: group.to_string(),
            member_id: member_id.filter(|m| !m.is_empty()),
            client_id,
            topics,
            session_timeout,
            rebalance_timeout,
            assignor,
            client_assigned,
        })
    }

    /// Keeps a member's session alive; returns whether it must join again (a rebalance is on).
    pub async fn heartbeat(&self, group: &str, member: &MemberRef) -> Result<bool, BrokerError> {
        self.check_group(group)?;
        self.groups
            .heartbeat(group, &member.member_id, member.generation)
            .await
    }

    /// Removes a member at once; the others rebalance.
    pub async fn leave_group(&self, group: &str, member_id: &str) -> Result<(), BrokerError> {
        self.check_group(group)?;
        self.groups
            .leave(group, member_id, &|topic| self.partition_count(topic))
            .await
    }

    /// Commits offsets durably. With a member: fenced by member id and generation. Without: only
    /// while the group has no members (an admin commit; it creates the group if needed).
    pub async fn commit_offsets(
        &self,
        group: &str,
        member: Option<MemberRef>,
        offsets: Vec<OffsetCommit>,
    ) -> Result<(), BrokerError> {
        self.check_group(group)?;
        if offsets.is_empty() || offsets.len() > MAX_OFFSETS_PER_COMMIT {
            return Err(invalid(format!(
                "a commit must carry between 1 and {MAX_OFFSETS_PER_COMMIT} offsets, got {}",
                offsets.len()
            )));
        }
        for commit in &offsets {
            self.check_commit(commit)?;
        }
        self.groups
            .commit(
                group,
                member.map(|m| (m.member_id, m.generation)),
                offsets,
                now_ms(),
            )
            .await
    }

    /// A group's committed offsets, optionally only for some topics.
    pub async fn fetch_offsets(
        &self,
        group: &str,
        topics: &[String],
    ) -> Result<Vec<(TopicPartition, CommittedOffset)>, BrokerError> {
        self.check_group(group)?;
        for topic in topics {
            super::check_topic_name(topic)?;
        }
        let Some((_, offsets)) = self.groups.membership(group).await else {
            return Err(GroupError::NotFound(group.to_string()).into());
        };
        Ok(offsets
            .unwrap_or_default()
            .into_iter()
            .filter(|((topic, _), _)| topics.is_empty() || topics.contains(topic))
            .map(|((topic, partition), committed)| {
                (TopicPartition::new(topic, partition), committed)
            })
            .collect())
    }

    /// Every group with members or committed offsets.
    pub async fn list_groups(&self) -> Vec<GroupSummary> {
        self.groups.list().await
    }

    /// A group's members, and per partition of every topic it subscribes to or has committed
    /// offsets on: committed offset, log end offset, LAG and owner.
    pub async fn describe_group(&self, group: &str) -> Result<GroupDescription, BrokerError> {
        self.check_group(group)?;
        let Some((membership, offsets)) = self.groups.membership(group).await else {
            return Err(GroupError::NotFound(group.to_string()).into());
        };
        let offsets = offsets.unwrap_or_default();
        let mut owners: BTreeMap<TopicPartition, String> = BTreeMap::new();
        let mut topics: BTreeSet<String> = offsets.keys().map(|(t, _)| t.clone()).collect();
        for member in &membership.members {
            topics.extend(member.topics.iter().cloned());
            for tp in &member.assignment {
                owners.insert(tp.clone(), member.member_id.clone());
            }
        }
        let mut partitions = Vec::new();
        for topic_name in topics {
            // Log ends (and so LAG) are known for the partitions this broker leads (or, alone,
            // holds); a client asks the other partitions' leaders.
            let ends: BTreeMap<u32, u64> = match self.topic(&topic_name) {
                Ok(topic) => topic
                    .partitions()
                    .iter()
                    .filter_map(|p| p.leader_end_offset().map(|end| (p.id, end)))
                    .collect(),
                Err(_) => BTreeMap::new(),
            };
            let mut numbers: BTreeSet<u32> = ends.keys().copied().collect();
            numbers.extend(0..self.partition_count(&topic_name).unwrap_or(0));
            numbers.extend(
                offsets
                    .keys()
                    .filter(|(t, _)| *t == topic_name)
                    .map(|(_, p)| *p),
            );
            for partition in numbers {
                let committed = offsets.get(&(topic_name.clone(), partition)).copied();
                let log_end_offset = ends.get(&partition).copied();
                let lag = match (committed, log_end_offset) {
                    (Some(c), Some(end)) => Some(end.saturating_sub(c.offset)),
                    _ => None,
                };
                let tp = TopicPartition::new(topic_name.clone(), partition);
                partitions.push(PartitionOffsets {
                    member_id: owners.get(&tp).cloned(),
                    topic: tp.topic,
                    partition,
                    committed,
                    log_end_offset,
                    lag,
                });
            }
        }
        Ok(GroupDescription {
            group: group.to_string(),
            state: membership.state,
            generation: membership.generation,
            assignor: membership.assignor,
            protocol: membership.protocol,
            members: membership.members,
            partitions,
        })
    }

    /// Plans moving a group's offsets on `topic` (all partitions when `partitions` is empty) and,
    /// with `execute`, commits the plan. Executing is refused while the group has members.
    pub async fn reset_offsets(
        &self,
        group: &str,
        topic_name: &str,
        partitions: &[u32],
        target: ResetTarget,
        execute: bool,
    ) -> Result<Vec<ResetPlan>, BrokerError> {
        self.check_group(group)?;
        // In a cluster the plan reads each partition's bounds, which only its leader knows.
        let not_led_here = |partition: u32| {
            BrokerError::FailedPrecondition(format!(
                "this broker coordinates group {group:?} but does not lead partition {partition} of topic {topic_name:?}, whose bounds a reset reads: plan the reset from the partition leaders and commit it (flashq group reset-offsets does)"
            ))
        };
        let topic = match self.topic(topic_name) {
            Err(BrokerError::TopicNotFound(_)) if self.partition_count(topic_name).is_some() => {
                return Err(not_led_here(partitions.first().copied().unwrap_or(0)));
            }
            other => other?,
        };
        let chosen: Vec<u32> = if partitions.is_empty() {
            (0..topic.partition_count()).collect()
        } else {
            partitions
                .iter()
                .copied()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        if execute {
            self.groups.check_inactive(group, "reset offsets").await?;
        }
        let committed = self.groups.store().offsets(group).unwrap_or_default();
        let mut plan = Vec::with_capacity(chosen.len());
        for number in chosen {
            let partition = topic.partition(number)?;
            let Some(end) = partition.leader_end_offset() else {
                return Err(not_led_here(number));
            };
            let start = partition.start_offset();
            let current = committed
                .get(&(topic_name.to_string(), number))
                .map(|c| c.offset);
            let new_offset = match target {
                ResetTarget::Earliest => start,
                ResetTarget::Latest => end,
                ResetTarget::Offset(offset) => offset.clamp(start, end),
                ResetTarget::Timestamp(ms) => partition.offset_for_timestamp(ms).await?,
                ResetTarget::ShiftBy(delta) => {
                    let base = current.unwrap_or(start);
                    base.saturating_add_signed(delta).clamp(start, end)
                }
            };
            plan.push(ResetPlan {
                topic: topic_name.to_string(),
                partition: number,
                current,
                new_offset,
            });
        }
        if execute && !plan.is_empty() {
            let commits = plan
                .iter()
                .map(|p| OffsetCommit {
                    topic: p.topic.clone(),
                    partition: p.partition,
                    offset: p.new_offset,
                })
                .collect();
            self.groups.commit(group, None, commits, now_ms()).await?;
            tracing::info!(group, topic = topic_name, "reset offsets");
        }
        Ok(plan)
    }

    /// Deletes a group and its committed offsets; refused while it has members.
    pub async fn delete_group(&self, group: &str) -> Result<(), BrokerError> {
        self.check_group(group)?;
        self.groups.delete(group).await
    }

    /// Expires silent members and overdue rebalances until the returned task is aborted.
    pub fn spawn_group_expiry(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let broker = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(Duration::from_millis(EXPIRY_CHECK_INTERVAL_MS));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                let Some(broker) = broker.upgrade() else {
                    return;
                };
                broker
                    .groups
                    .expire(&|topic| broker.partition_count(topic))
                    .await;
                if let Some(placement) = &broker.group_placement {
                    broker
                        .groups
                        .forget_unless(|group| placement.check_coordinator(group).is_ok())
                        .await;
                }
            }
        })
    }
}
