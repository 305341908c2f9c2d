//! The Groups calls on one broker: join, heartbeat, leave, commit, fetch offsets, describe,
//! list, reset and delete.

use crate::client::{Client, Result};
use crate::wire::v1 as pb;

use super::*;

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
