//! Consumer groups over Kafka's protocol: FindCoordinator, JoinGroup, SyncGroup, Heartbeat,
//! LeaveGroup, OffsetCommit, OffsetFetch, DescribeGroups, ListGroups and DeleteGroups.
//!
//! Kafka's consumers assign partitions themselves: the group's leader gets every member's
//! subscription in its JoinGroup answer and hands the assignment in with SyncGroup. The engine
//! runs these as client-assigned groups (`broker::group`, [`ClientProtocols`]) beside
//! FlashQ's own broker-assigned ones, with the same offsets: a Kafka group's members and LAG
//! show in `flashq group list` and `describe`, and `group reset-offsets` moves its offsets.
//! This file reads the consumer protocol's subscription and assignment (when the protocol
//! type is "consumer") only to tell the engine which topics and partitions they name.

use std::sync::Arc;

use bytes::Bytes;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::find_coordinator_response::Coordinator;
use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::offset_commit_response::{
    OffsetCommitResponsePartition, OffsetCommitResponseTopic,
};
use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponsePartition, OffsetFetchResponseTopic,
};
use kafka_protocol::messages::{
    BrokerId, ConsumerProtocolAssignment, ConsumerProtocolSubscription, DeleteGroupsRequest,
    DeleteGroupsResponse, DescribeGroupsRequest, DescribeGroupsResponse, FindCoordinatorRequest,
    FindCoordinatorResponse, GroupId, HeartbeatRequest, HeartbeatResponse, JoinGroupRequest,
    JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, ListGroupsRequest,
    ListGroupsResponse, OffsetCommitRequest, OffsetCommitResponse, OffsetFetchRequest,
    OffsetFetchResponse, SyncGroupRequest, SyncGroupResponse, TopicName,
};
use kafka_protocol::protocol::{Decodable, StrBytes};

use crate::broker::BrokerError;
use crate::broker::group::{
    ClientAssignment, ClientProtocols, GroupError, MemberRef, TopicPartition,
};
use crate::storage::offset_store::OffsetCommit;

use super::metadata::{KafkaEndpoint, endpoint_of, endpoints};
use super::{KafkaContext, errors, sasl};
use crate::broker::acl::{Principal, Right};

/// The protocol type of Kafka's consumers, whose metadata this file can read.
const CONSUMER_PROTOCOL_TYPE: &str = "consumer";
/// FindCoordinator's key type of a group (1 is a transactional id).
const GROUP_KEY_TYPE: i8 = 0;
/// Kafka's "no authorized operations reported" (KIP-430).
const NO_AUTHORIZED_OPERATIONS: i32 = i32::MIN;
/// The protocol type `ListGroups` shows for FlashQ's own broker-assigned groups.
const FLASHQ_PROTOCOL_TYPE: &str = "flashq";

fn text(value: impl Into<String>) -> StrBytes {
    StrBytes::from_string(value.into())
}

/// A generation as Kafka's 32-bit field holds it.
fn generation_of(generation: u64) -> i32 {
    i32::try_from(generation).unwrap_or(i32::MAX)
}

/// Kafka's member of a generation, from its id and generation; `None` for a negative one.
fn member_ref(member_id: &StrBytes, generation: i32) -> Option<MemberRef> {
    Some(MemberRef {
        member_id: member_id.to_string(),
        generation: u64::try_from(generation).ok()?,
    })
}

/// Decodes a consumer-protocol message: a version, then the message at that version.
fn decode_versioned<T: Decodable>(mut data: Bytes) -> Option<T> {
    if data.len() < 2 {
        return None;
    }
    let version = i16::from_be_bytes([data[0], data[1]]);
    bytes::Buf::advance(&mut data, 2);
    T::decode(&mut data, version).ok()
}

fn subscribed_topics(protocol_type: &str, metadata: &Bytes) -> Vec<String> {
    if protocol_type != CONSUMER_PROTOCOL_TYPE {
        return Vec::new();
    }
    decode_versioned::<ConsumerProtocolSubscription>(metadata.clone())
        .map(|s| s.topics.iter().map(|t| t.to_string()).collect())
        .unwrap_or_default()
}

fn assigned_partitions(protocol_type: &str, data: &Bytes) -> Vec<TopicPartition> {
    if protocol_type != CONSUMER_PROTOCOL_TYPE {
        return Vec::new();
    }
    decode_versioned::<ConsumerProtocolAssignment>(data.clone())
        .map(|a| {
            a.assigned_partitions
                .iter()
                .flat_map(|tp| {
                    tp.partitions.iter().filter_map(|p| {
                        u32::try_from(*p)
                            .ok()
                            .map(|p| TopicPartition::new(tp.topic.0.to_string(), p))
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Where a group's coordinator is: this broker alone, or the cluster's broker for its slot.
fn coordinator_of(context: &KafkaContext, group: &str) -> Option<KafkaEndpoint> {
    match &context.cluster {
        None => endpoints(context).into_iter().next(),
        Some(node) => {
            let broker = node
                .view()
                .with(|s| s.coordinator_of(group).and_then(|c| c.broker))?;
            endpoint_of(context, broker)
        }
    }
}

pub async fn find_coordinator(
    context: Arc<KafkaContext>,
    request: FindCoordinatorRequest,
) -> FindCoordinatorResponse {
    let answer = |key: StrBytes| {
        let mut coordinator = Coordinator::default();
        let found = if request.key_type != GROUP_KEY_TYPE {
            Err("transactions are not supported")
        } else {
            coordinator_of(&context, &key).ok_or("no broker coordinates the group now")
        };
        match found {
            Ok(endpoint) => {
                coordinator.node_id = BrokerId(endpoint.node_id);
                coordinator.host = text(endpoint.host);
                coordinator.port = endpoint.port as i32;
            }
            Err(reason) => {
                coordinator.error_code = ResponseError::CoordinatorNotAvailable.code();
                coordinator.error_message = Some(text(reason));
                coordinator.node_id = BrokerId(-1);
                coordinator.port = -1;
            }
        }
        coordinator.key = key;
        coordinator
    };
    let mut response = FindCoordinatorResponse::default();
    if request.coordinator_keys.is_empty() {
        // Versions 0-3 ask for one key and are answered in the top-level fields.
        let one = answer(request.key.clone());
        response.error_code = one.error_code;
        response.error_message = one.error_message;
        response.node_id = one.node_id;
        response.host = one.host;
        response.port = one.port;
    } else {
        response.coordinators = request
            .coordinator_keys
            .iter()
            .cloned()
            .map(answer)
            .collect();
    }
    response
}

pub async fn join_group(
    context: Arc<KafkaContext>,
    request: JoinGroupRequest,
    version: i16,
    client_id: String,
) -> JoinGroupResponse {
    let mut response = JoinGroupResponse::default();
    response.member_id = request.member_id.clone();
    response.generation_id = -1;
    let protocol_type = request.protocol_type.to_string();
    let topics = request
        .protocols
        .first()
        .map(|p| subscribed_topics(&protocol_type, &p.metadata))
        .unwrap_or_default();
    // Version 0 has no rebalance timeout: the session's is used, as Kafka does.
    let rebalance_timeout_ms = if version >= 1 {
        request.rebalance_timeout_ms
    } else {
        request.session_timeout_ms
    };
    let protocols = ClientProtocols {
        protocol_type: protocol_type.clone(),
        protocols: request
            .protocols
            .iter()
            .map(|p| (p.name.to_string(), p.metadata.clone()))
            .collect(),
    };
    let joined = context
        .broker
        .join_client_assigned_group(
            &request.group_id.0,
            Some(request.member_id.to_string()).filter(|m| !m.is_empty()),
            &client_id,
            topics,
            request.session_timeout_ms.max(0) as u32,
            rebalance_timeout_ms.max(0) as u32,
            protocols,
        )
        .await;
    match joined {
        Ok(outcome) => {
            let client = outcome.client_assigned.unwrap_or_else(|| {
                crate::broker::group::ClientJoinOutcome {
                    protocol: String::new(),
                    leader: String::new(),
                    members: Vec::new(),
                }
            });
            response.generation_id = generation_of(outcome.generation);
            response.member_id = text(outcome.member_id);
            response.protocol_type = Some(text(protocol_type));
            response.protocol_name = Some(text(client.protocol));
            response.leader = text(client.leader);
            response.members = client
                .members
                .into_iter()
                .map(|(id, metadata)| {
                    let mut member = JoinGroupResponseMember::default();
                    member.member_id = text(id);
                    member.metadata = metadata;
                    member
                })
                .collect();
        }
        Err(e) => response.error_code = group_error_code(&e),
    }
    response
}

/// The code of a group call's failure; a bad session timeout is Kafka's own code.
fn group_error_code(error: &BrokerError) -> i16 {
    match error {
        BrokerError::InvalidArgument(message) if message.contains("timeout") => {
            ResponseError::InvalidSessionTimeout.code()
        }
        BrokerError::InvalidArgument(_) => ResponseError::InvalidGroupId.code(),
        // A member the group does not know must join again with no id.
        BrokerError::Group(GroupError::JoinSuperseded { .. }) => {
            ResponseError::RebalanceInProgress.code()
        }
        other => errors::code(other),
    }
}

pub async fn sync_group(
    context: Arc<KafkaContext>,
    request: SyncGroupRequest,
) -> SyncGroupResponse {
    let mut response = SyncGroupResponse::default();
    response.protocol_type = request.protocol_type.clone();
    response.protocol_name = request.protocol_name.clone();
    let Some(member) = member_ref(&request.member_id, request.generation_id) else {
        response.error_code = ResponseError::IllegalGeneration.code();
        return response;
    };
    let protocol_type = request
        .protocol_type
        .as_ref()
        .map_or(CONSUMER_PROTOCOL_TYPE.to_string(), |t| t.to_string());
    let assignments = (!request.assignments.is_empty()).then(|| {
        request
            .assignments
            .iter()
            .map(|a| ClientAssignment {
                member_id: a.member_id.to_string(),
                partitions: assigned_partitions(&protocol_type, &a.assignment),
                data: a.assignment.clone(),
            })
            .collect()
    });
    match context
        .broker
        .sync_group(&request.group_id.0, &member, assignments)
        .await
    {
        Ok(share) => response.assignment = share,
        Err(e) => response.error_code = group_error_code(&e),
    }
    response
}

pub async fn heartbeat(context: Arc<KafkaContext>, request: HeartbeatRequest) -> HeartbeatResponse {
    let mut response = HeartbeatResponse::default();
    let Some(member) = member_ref(&request.member_id, request.generation_id) else {
        response.error_code = ResponseError::IllegalGeneration.code();
        return response;
    };
    response.error_code = match context.broker.heartbeat(&request.group_id.0, &member).await {
        Ok(true) => ResponseError::RebalanceInProgress.code(),
        Ok(false) => errors::NONE,
        Err(e) => group_error_code(&e),
    };
    response
}

pub async fn leave_group(
    context: Arc<KafkaContext>,
    request: LeaveGroupRequest,
) -> LeaveGroupResponse {
    let mut response = LeaveGroupResponse::default();
    let group = request.group_id.0.to_string();
    if request.members.is_empty() {
        // Versions 0-2: one member, answered in the top-level error.
        if let Err(e) = context.broker.leave_group(&group, &request.member_id).await {
            response.error_code = group_error_code(&e);
        }
        return response;
    }
    for identity in request.members {
        let mut answer = MemberResponse::default();
        if let Err(e) = context
            .broker
            .leave_group(&group, &identity.member_id)
            .await
        {
            answer.error_code = group_error_code(&e);
        }
        answer.member_id = identity.member_id;
        answer.group_instance_id = identity.group_instance_id;
        response.members.push(answer);
    }
    response
}

pub async fn offset_commit(
    context: Arc<KafkaContext>,
    request: OffsetCommitRequest,
    caller: Option<Principal>,
) -> OffsetCommitResponse {
    let caller = caller.as_ref();
    // A generation of -1 and no member id is a commit from outside the group (a consumer
    // that assigns itself partitions), allowed while the group has no members.
    let member = if request.generation_id_or_member_epoch < 0 && request.member_id.is_empty() {
        None
    } else {
        member_ref(&request.member_id, request.generation_id_or_member_epoch)
    };
    let mut offsets = Vec::new();
    let mut invalid: Vec<(usize, usize, i16)> = Vec::new();
    for (t, topic) in request.topics.iter().enumerate() {
        for (p, partition) in topic.partitions.iter().enumerate() {
            // A member commits what it read (consume right on the topic); a commit from outside
            // the group changes its offsets as an admin would (admin right on the group).
            let permitted = match &member {
                Some(_) => sasl::allows(caller, Right::Consume, &topic.name.0),
                None => sasl::allows(caller, Right::Admin, &request.group_id.0),
            };
            if !permitted {
                invalid.push((t, p, ResponseError::TopicAuthorizationFailed.code()));
                continue;
            }
            match (
                u32::try_from(partition.partition_index),
                u64::try_from(partition.committed_offset),
            ) {
                (Ok(index), Ok(offset)) => offsets.push(OffsetCommit {
                    topic: topic.name.0.to_string(),
                    partition: index,
                    offset,
                }),
                (Err(_), _) => invalid.push((t, p, ResponseError::UnknownTopicOrPartition.code())),
                (_, Err(_)) => invalid.push((t, p, ResponseError::InvalidCommitOffsetSize.code())),
            }
        }
    }
    let outcome = if offsets.is_empty() {
        errors::NONE
    } else {
        match context
            .broker
            .commit_offsets(&request.group_id.0, member, offsets)
            .await
        {
            Ok(()) => errors::NONE,
            Err(e) => group_error_code(&e),
        }
    };
    let mut response = OffsetCommitResponse::default();
    response.topics = request
        .topics
        .iter()
        .enumerate()
        .map(|(t, topic)| {
            let mut answer = OffsetCommitResponseTopic::default();
            answer.name = topic.name.clone();
            answer.partitions = topic
                .partitions
                .iter()
                .enumerate()
                .map(|(p, partition)| {
                    let mut result = OffsetCommitResponsePartition::default();
                    result.partition_index = partition.partition_index;
                    result.error_code = invalid
                        .iter()
                        .find(|(it, ip, _)| *it == t && *ip == p)
                        .map_or(outcome, |(_, _, code)| *code);
                    result
                })
                .collect();
            answer
        })
        .collect();
    response
}

pub async fn offset_fetch(
    context: Arc<KafkaContext>,
    request: OffsetFetchRequest,
) -> OffsetFetchResponse {
    let mut response = OffsetFetchResponse::default();
    let group = request.group_id.0.to_string();
    let committed = match context.broker.fetch_offsets(&group, &[]).await {
        Ok(committed) => committed,
        // A group with no offsets and no members: every offset is "none" (-1), not an error.
        Err(BrokerError::Group(GroupError::NotFound(_))) => Vec::new(),
        Err(e) => {
            response.error_code = group_error_code(&e);
            return response;
        }
    };
    let offset_of = |topic: &str, partition: i32| {
        committed
            .iter()
            .find(|(tp, _)| tp.topic == topic && tp.partition as i64 == partition as i64)
            .map_or(-1, |(_, c)| c.offset as i64)
    };
    let answer_partition = |topic: &str, partition: i32| {
        let mut answer = OffsetFetchResponsePartition::default();
        answer.partition_index = partition;
        answer.committed_offset = offset_of(topic, partition);
        answer.metadata = Some(StrBytes::new());
        answer
    };
    response.topics = match request.topics {
        Some(topics) => topics
            .into_iter()
            .map(|topic| {
                let mut answer = OffsetFetchResponseTopic::default();
                answer.partitions = topic
                    .partition_indexes
                    .iter()
                    .map(|p| answer_partition(&topic.name.0, *p))
                    .collect();
                answer.name = topic.name;
                answer
            })
            .collect(),
        // Null topics: every committed offset of the group.
        None => {
            let mut by_topic: std::collections::BTreeMap<String, Vec<i32>> = Default::default();
            for (tp, _) in &committed {
                by_topic
                    .entry(tp.topic.clone())
                    .or_default()
                    .push(tp.partition as i32);
            }
            by_topic
                .into_iter()
                .map(|(topic, partitions)| {
                    let mut answer = OffsetFetchResponseTopic::default();
                    answer.partitions = partitions
                        .iter()
                        .map(|p| answer_partition(&topic, *p))
                        .collect();
                    answer.name = TopicName(text(topic));
                    answer
                })
                .collect()
        }
    };
    response
}

pub async fn describe_groups(
    context: Arc<KafkaContext>,
    request: DescribeGroupsRequest,
) -> DescribeGroupsResponse {
    let mut response = DescribeGroupsResponse::default();
    for group in request.groups {
        let mut described = DescribedGroup::default();
        described.authorized_operations = NO_AUTHORIZED_OPERATIONS;
        match context.broker.describe_group(&group.0).await {
            Ok(description) => {
                described.group_state = text(description.state.name());
                let (protocol_type, protocol) = description
                    .protocol
                    .clone()
                    .unwrap_or_else(|| (FLASHQ_PROTOCOL_TYPE.to_string(), String::new()));
                described.protocol_type = text(protocol_type);
                described.protocol_data = text(protocol);
                described.members = description
                    .members
                    .into_iter()
                    .map(|m| {
                        let mut member = DescribedGroupMember::default();
                        member.member_id = text(m.member_id);
                        member.client_id = text(m.client_id);
                        member.member_metadata = m.protocol_metadata;
                        member.member_assignment = m.assignment_data;
                        member
                    })
                    .collect();
            }
            // Kafka describes an unknown group as a dead one, not an error.
            Err(BrokerError::Group(GroupError::NotFound(_))) => {
                described.group_state = text("Dead");
            }
            Err(e) => {
                described.error_code = group_error_code(&e);
                described.error_message = errors::message(&e);
            }
        }
        described.group_id = group;
        response.groups.push(described);
    }
    response
}

pub async fn list_groups(
    context: Arc<KafkaContext>,
    request: ListGroupsRequest,
) -> ListGroupsResponse {
    let mut response = ListGroupsResponse::default();
    response.groups = context
        .broker
        .list_groups()
        .await
        .into_iter()
        .filter(|g| {
            request.states_filter.is_empty()
                || request
                    .states_filter
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(g.state.name()))
        })
        .map(|g| {
            let mut listed = ListedGroup::default();
            listed.group_id = GroupId(text(g.group));
            listed.protocol_type = text(
                g.protocol_type
                    .unwrap_or_else(|| FLASHQ_PROTOCOL_TYPE.to_string()),
            );
            listed.group_state = text(g.state.name());
            listed
        })
        .collect();
    response
}

pub async fn delete_groups(
    context: Arc<KafkaContext>,
    request: DeleteGroupsRequest,
    caller: Option<Principal>,
) -> DeleteGroupsResponse {
    let mut response = DeleteGroupsResponse::default();
    for group in request.groups_names {
        let mut result = DeletableGroupResult::default();
        if !sasl::allows(caller.as_ref(), Right::Admin, &group.0) {
            result.error_code = ResponseError::GroupAuthorizationFailed.code();
        } else if let Err(e) = context.broker.delete_group(&group.0).await {
            result.error_code = group_error_code(&e);
        }
        result.group_id = group;
        response.results.push(result);
    }
    response
}
