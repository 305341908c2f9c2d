//! The Groups service: consumer-group membership, committed offsets and their administration.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::broker::Broker;
use crate::broker::acl::Right;
use crate::broker::group::{
    Assignor, GroupDescription, JoinOutcome, MemberRef, ResetTarget, TopicPartition,
};
use crate::storage::offset_store::OffsetCommit;
use crate::wire::v1 as pb;
use crate::wire::v1::groups_server::Groups;

use super::auth::authorize;
use super::status::invalid;

/// The Groups service over one broker's group coordinator.
pub struct GroupsService {
    broker: Arc<Broker>,
}

impl GroupsService {
    /// The service for `broker`.
    pub fn new(broker: Arc<Broker>) -> Self {
        GroupsService { broker }
    }
}

fn partition_to_wire(tp: TopicPartition) -> pb::TopicPartition {
    pb::TopicPartition {
        topic: tp.topic,
        partition: tp.partition,
    }
}

fn assignor_from_wire(name: &str) -> Result<Assignor, Status> {
    if name.is_empty() {
        return Ok(Assignor::default());
    }
    name.parse().map_err(invalid)
}

fn join_to_wire(outcome: JoinOutcome) -> pb::JoinGroupResponse {
    pb::JoinGroupResponse {
        member_id: outcome.member_id,
        generation: outcome.generation,
        assignment: outcome
            .assignment
            .into_iter()
            .map(partition_to_wire)
            .collect(),
        session_timeout_ms: outcome.session_timeout_ms,
        heartbeat_interval_ms: outcome.heartbeat_interval_ms,
        assignor: outcome.assignor.name().to_string(),
    }
}

fn description_to_wire(group: GroupDescription) -> pb::GroupDescription {
    pb::GroupDescription {
        group: group.group,
        state: group.state.name().to_string(),
        generation: group.generation,
        assignor: group
            .assignor
            .map(|a| a.name().to_string())
            .unwrap_or_default(),
        members: group
            .members
            .into_iter()
            .map(|m| pb::GroupMember {
                member_id: m.member_id,
                client_id: m.client_id,
                topics: m.topics,
                assignment: m.assignment.into_iter().map(partition_to_wire).collect(),
                session_timeout_ms: m.session_timeout_ms,
            })
            .collect(),
        partitions: group
            .partitions
            .into_iter()
            .map(|p| pb::GroupPartition {
                topic: p.topic,
                partition: p.partition,
                committed_offset: p.committed.map(|c| c.offset),
                commit_timestamp_ms: p.committed.map(|c| c.commit_timestamp_ms),
                log_end_offset: p.log_end_offset,
                lag: p.lag,
                member_id: p.member_id.unwrap_or_default(),
            })
            .collect(),
    }
}

fn reset_target(target: Option<pb::reset_offsets_request::Target>) -> Result<ResetTarget, Status> {
    use pb::reset_offsets_request::Target;
    match target {
        Some(Target::ToEarliest(true)) => Ok(ResetTarget::Earliest),
        Some(Target::ToLatest(true)) => Ok(ResetTarget::Latest),
        Some(Target::ToOffset(offset)) => Ok(ResetTarget::Offset(offset)),
        Some(Target::ToTimestampMs(ms)) => Ok(ResetTarget::Timestamp(ms)),
        Some(Target::ShiftBy(delta)) => Ok(ResetTarget::ShiftBy(delta)),
        _ => Err(invalid(
            "target must set one of to_earliest, to_latest, to_offset, to_timestamp_ms or shift_by",
        )),
    }
}

#[tonic::async_trait]
impl Groups for GroupsService {
    async fn join_group(
        &self,
        request: Request<pb::JoinGroupRequest>,
    ) -> Result<Response<pb::JoinGroupResponse>, Status> {
        for topic in &request.get_ref().topics {
            authorize(&request, Right::Consume, topic)?;
        }
        let request = request.into_inner();
        let outcome = self
            .broker
            .join_group(
                &request.group,
                Some(request.member_id),
                Some(request.client_id),
                request.topics,
                request.session_timeout_ms,
                request.rebalance_timeout_ms,
                assignor_from_wire(&request.assignor)?,
            )
            .await?;
        Ok(Response::new(join_to_wire(outcome)))
    }

    async fn heartbeat(
        &self,
        request: Request<pb::HeartbeatRequest>,
    ) -> Result<Response<pb::HeartbeatResponse>, Status> {
        let request = request.into_inner();
        let rebalance_needed = self
            .broker
            .heartbeat(
                &request.group,
                &MemberRef {
                    member_id: request.member_id,
                    generation: request.generation,
                },
            )
            .await?;
        Ok(Response::new(pb::HeartbeatResponse { rebalance_needed }))
    }

    async fn leave_group(
        &self,
        request: Request<pb::LeaveGroupRequest>,
    ) -> Result<Response<pb::LeaveGroupResponse>, Status> {
        let request = request.into_inner();
        self.broker
            .leave_group(&request.group, &request.member_id)
            .await?;
        Ok(Response::new(pb::LeaveGroupResponse {}))
    }

    async fn commit_offsets(
        &self,
        request: Request<pb::CommitOffsetsRequest>,
    ) -> Result<Response<pb::CommitOffsetsResponse>, Status> {
        for offset in &request.get_ref().offsets {
            authorize(&request, Right::Consume, &offset.topic)?;
        }
        // Without a member id this is an admin commit, which moves the whole group.
        if request.get_ref().member_id.is_empty() {
            authorize(&request, Right::Admin, &request.get_ref().group)?;
        }
        let request = request.into_inner();
        let member = match (request.member_id.is_empty(), request.generation) {
            (true, None) => None,
            (false, Some(generation)) => Some(MemberRef {
                member_id: request.member_id,
                generation,
            }),
            (false, None) => return Err(invalid("a commit with member_id must set generation")),
            (true, Some(_)) => return Err(invalid("a commit with generation must set member_id")),
        };
        let offsets = request
            .offsets
            .into_iter()
            .map(|o| OffsetCommit {
                topic: o.topic,
                partition: o.partition,
                offset: o.offset,
            })
            .collect();
        self.broker
            .commit_offsets(&request.group, member, offsets)
            .await?;
        Ok(Response::new(pb::CommitOffsetsResponse {}))
    }

    async fn fetch_offsets(
        &self,
        request: Request<pb::FetchOffsetsRequest>,
    ) -> Result<Response<pb::FetchOffsetsResponse>, Status> {
        let request = request.into_inner();
        let offsets = self
            .broker
            .fetch_offsets(&request.group, &request.topics)
            .await?
            .into_iter()
            .map(|(tp, committed)| pb::CommittedOffset {
                topic: tp.topic,
                partition: tp.partition,
                offset: committed.offset,
                commit_timestamp_ms: committed.commit_timestamp_ms,
            })
            .collect();
        Ok(Response::new(pb::FetchOffsetsResponse { offsets }))
    }

    async fn list_groups(
        &self,
        _request: Request<pb::ListGroupsRequest>,
    ) -> Result<Response<pb::ListGroupsResponse>, Status> {
        let groups = self
            .broker
            .list_groups()
            .await
            .into_iter()
            .map(|g| pb::GroupSummary {
                group: g.group,
                state: g.state.name().to_string(),
                generation: g.generation,
                assignor: g.assignor.map(|a| a.name().to_string()).unwrap_or_default(),
                members: g.members,
            })
            .collect();
        Ok(Response::new(pb::ListGroupsResponse { groups }))
    }

    async fn describe_group(
        &self,
        request: Request<pb::DescribeGroupRequest>,
    ) -> Result<Response<pb::GroupDescription>, Status> {
        let group = self
            .broker
            .describe_group(&request.into_inner().group)
            .await?;
        Ok(Response::new(description_to_wire(group)))
    }

    async fn reset_offsets(
        &self,
        request: Request<pb::ResetOffsetsRequest>,
    ) -> Result<Response<pb::ResetOffsetsResponse>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().group)?;
        let request = request.into_inner();
        let target = reset_target(request.target)?;
        let plan = self
            .broker
            .reset_offsets(
                &request.group,
                &request.topic,
                &request.partitions,
                target,
                request.execute,
            )
            .await?
            .into_iter()
            .map(|p| pb::OffsetReset {
                topic: p.topic,
                partition: p.partition,
                current_offset: p.current,
                new_offset: p.new_offset,
            })
            .collect();
        Ok(Response::new(pb::ResetOffsetsResponse {
            plan,
            executed: request.execute,
        }))
    }

    async fn delete_group(
        &self,
        request: Request<pb::DeleteGroupRequest>,
    ) -> Result<Response<pb::DeleteGroupResponse>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().group)?;
        self.broker
            .delete_group(&request.into_inner().group)
            .await?;
        Ok(Response::new(pb::DeleteGroupResponse {}))
    }
}
