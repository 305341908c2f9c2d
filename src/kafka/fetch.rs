//! Fetch, ListOffsets and OffsetForLeaderEpoch: reading the log, and finding where to.
//!
//! A fetch sends the stored batches as Kafka batches without decoding their records
//! ([`super::records::to_kafka`]). It reads every partition at once; when that comes to fewer
//! than the request's `min_bytes`, it waits (at most `max_wait_ms`) for any of them to grow and
//! reads again, so a caught-up consumer's fetch is answered the moment a record arrives.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::list_offsets_response::{
    ListOffsetsPartitionResponse, ListOffsetsTopicResponse,
};
use kafka_protocol::messages::offset_for_leader_epoch_response::{
    EpochEndOffset, OffsetForLeaderTopicResult,
};
use kafka_protocol::messages::{
    FetchRequest, FetchResponse, ListOffsetsRequest, ListOffsetsResponse,
    OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse,
};

use crate::broker::replica::ReplicaRole;
use crate::broker::{
    self, BrokerError, MAX_FETCH_MAX_BYTES, MAX_FETCH_WAIT_MS, Partition, StartPosition,
};

use super::{KafkaContext, errors, records, sasl};
use crate::broker::acl::{Principal, Right};

/// ListOffsets' special timestamps (Kafka's `ListOffsetsRequest`).
const EARLIEST_TIMESTAMP: i64 = -2;
const LATEST_TIMESTAMP: i64 = -1;

/// The leader epoch Kafka clients see for a partition: the cluster's, 0 on a single broker.
pub fn leader_epoch(partition: &Partition) -> i32 {
    let epoch = match partition.role() {
        ReplicaRole::Standalone => 0,
        ReplicaRole::Leader(state) => state.epoch,
        ReplicaRole::Follower { epoch, .. } | ReplicaRole::Suspended { epoch } => epoch,
    };
    i32::try_from(epoch).unwrap_or(i32::MAX)
}

fn partition_of(
    context: &KafkaContext,
    topic: &str,
    partition: i32,
) -> Result<Arc<Partition>, BrokerError> {
    let index = u32::try_from(partition).map_err(|_| BrokerError::PartitionNotFound {
        topic: topic.to_string(),
        partition: u32::MAX,
        partitions: 0,
    })?;
    context.broker.topic(topic)?.partition(index)
}

/// The partition, if this broker is the one to read it from: a single broker, or the
/// partition's leader; else NOT_LEADER_OR_FOLLOWER naming the leader, so the client refreshes
/// its metadata and goes there.
fn led_here(
    context: &KafkaContext,
    topic: &str,
    partition: i32,
) -> Result<Arc<Partition>, BrokerError> {
    let not_leader = |leader: Option<u64>| BrokerError::NotLeader {
        partition: partition.max(0) as u32,
        leader,
    };
    match partition_of(context, topic, partition) {
        Ok(log) => match log.role() {
            ReplicaRole::Standalone | ReplicaRole::Leader(_) => Ok(log),
            ReplicaRole::Follower { leader, .. } => Err(not_leader(leader)),
            ReplicaRole::Suspended { .. } => Err(not_leader(None)),
        },
        Err(BrokerError::TopicNotFound(name)) => match &context.cluster {
            Some(node) => {
                let leader = node.view().with(|s| {
                    s.topics.contains_key(topic).then(|| {
                        s.assignment(topic, partition.max(0) as u32)
                            .and_then(|a| a.leader)
                    })
                });
                match leader {
                    Some(leader) => Err(not_leader(leader)),
                    None => Err(BrokerError::TopicNotFound(name)),
                }
            }
            None => Err(BrokerError::TopicNotFound(name)),
        },
        Err(e) => Err(e),
    }
}

pub async fn handle(
    context: Arc<KafkaContext>,
    request: FetchRequest,
    caller: Option<Principal>,
) -> FetchResponse {
    let caller = caller.as_ref();
    let max_wait_ms = request.max_wait_ms.clamp(0, MAX_FETCH_WAIT_MS as i32) as u64;
    let deadline = Instant::now() + Duration::from_millis(max_wait_ms);
    let min_bytes = request.min_bytes.max(0) as usize;
    loop {
        let (response, bytes, failed) = read_all(&context, &request, caller).await;
        let now = Instant::now();
        if bytes >= min_bytes.max(1) || failed || now >= deadline {
            return response;
        }
        wait_for_any(&context, &request, deadline - now).await;
        if Instant::now() >= deadline {
            return read_all(&context, &request, caller).await.0;
        }
    }
}

/// Reads every requested partition once, without waiting: the response, the record bytes it
/// carries, and whether any partition failed (answered at once).
async fn read_all(
    context: &KafkaContext,
    request: &FetchRequest,
    caller: Option<&Principal>,
) -> (FetchResponse, usize, bool) {
    let mut budget = (request.max_bytes.max(1) as usize).min(MAX_FETCH_MAX_BYTES as usize);
    let mut total = 0;
    let mut failed = false;
    let mut response = FetchResponse::default();
    for topic in &request.topics {
        let name = topic.topic.0.to_string();
        let mut answer = FetchableTopicResponse::default();
        answer.topic = topic.topic.clone();
        for wanted in &topic.partitions {
            let mut data = PartitionData::default();
            data.partition_index = wanted.partition;
            // Past the request's max_bytes the remaining partitions get no records (the first
            // batch of the first partition always comes, so a reader makes progress).
            let max_bytes = (wanted.partition_max_bytes.max(1) as usize).min(budget);
            if !sasl::allows(caller, Right::Consume, &name) {
                failed = true;
                data.error_code = ResponseError::TopicAuthorizationFailed.code();
                data.high_watermark = -1;
                answer.partitions.push(data);
                continue;
            }
            let read = if max_bytes == 0 {
                partition_of(context, &name, wanted.partition).map(|p| {
                    (
                        BytesMut::new(),
                        p.end_offset() as i64,
                        p.start_offset() as i64,
                    )
                })
            } else {
                read_partition(
                    context,
                    &name,
                    wanted.partition,
                    wanted.fetch_offset,
                    max_bytes,
                )
                .await
            };
            match read {
                Ok((records, high_watermark, log_start_offset)) => {
                    total += records.len();
                    budget = budget.saturating_sub(records.len());
                    data.high_watermark = high_watermark;
                    data.last_stable_offset = high_watermark;
                    data.log_start_offset = log_start_offset;
                    data.records = Some(records.freeze());
                }
                Err(e) => {
                    failed = true;
                    data.error_code = errors::code(&e);
                    data.high_watermark = -1;
                }
            }
            answer.partitions.push(data);
        }
        response.responses.push(answer);
    }
    (response, total, failed)
}

async fn read_partition(
    context: &KafkaContext,
    topic: &str,
    partition: i32,
    fetch_offset: i64,
    max_bytes: usize,
) -> Result<(BytesMut, i64, i64), BrokerError> {
    let log = led_here(context, topic, partition)?;
    let offset = u64::try_from(fetch_offset).map_err(|_| {
        BrokerError::Storage(crate::storage::StorageError::OffsetOutOfRange {
            offset: 0,
            start_offset: log.start_offset(),
            end_offset: log.end_offset(),
        })
    })?;
    let epoch = leader_epoch(&log);
    let fetched = context
        .broker
        .fetch(broker::FetchRequest {
            topic: topic.to_string(),
            partition: partition as u32,
            start: StartPosition::Offset(offset),
            max_records: u32::MAX,
            max_bytes: max_bytes.min(u32::MAX as usize) as u32,
            max_wait_ms: 0,
            record_batches: true,
        })
        .await?;
    let mut records = BytesMut::new();
    for batch in &fetched.batches {
        records::to_kafka(batch, epoch, &mut records);
    }
    Ok((
        records,
        fetched.log_end_offset as i64,
        fetched.log_start_offset as i64,
    ))
}

/// Waits until any requested partition has records past its fetch offset, or `max_wait`.
async fn wait_for_any(context: &KafkaContext, request: &FetchRequest, max_wait: Duration) {
    let mut waits = Vec::new();
    for topic in &request.topics {
        for wanted in &topic.partitions {
            if let (Ok(log), Ok(offset)) = (
                partition_of(context, &topic.topic.0, wanted.partition),
                u64::try_from(wanted.fetch_offset),
            ) {
                waits.push(Box::pin(async move {
                    log.wait_for_records_after(offset, max_wait).await
                }));
            }
        }
    }
    if waits.is_empty() {
        tokio::time::sleep(max_wait).await;
        return;
    }
    futures::future::select_all(waits).await;
}

pub async fn list_offsets(
    context: Arc<KafkaContext>,
    request: ListOffsetsRequest,
    version: i16,
    caller: Option<Principal>,
) -> ListOffsetsResponse {
    let mut response = ListOffsetsResponse::default();
    for topic in request.topics {
        let name = topic.name.0.to_string();
        let mut answer = ListOffsetsTopicResponse::default();
        answer.name = topic.name.clone();
        for wanted in topic.partitions {
            let mut partition = ListOffsetsPartitionResponse::default();
            partition.partition_index = wanted.partition_index;
            partition.timestamp = -1;
            let position = match wanted.timestamp {
                EARLIEST_TIMESTAMP => StartPosition::Earliest,
                LATEST_TIMESTAMP => StartPosition::Latest,
                ts if ts >= 0 => StartPosition::Timestamp(ts),
                // Max timestamp (-3) and the tiered-storage positions: not kept here.
                _ => {
                    partition.error_code = ResponseError::UnsupportedVersion.code();
                    answer.partitions.push(partition);
                    continue;
                }
            };
            if !sasl::allows(caller.as_ref(), Right::Consume, &name) {
                partition.error_code = ResponseError::TopicAuthorizationFailed.code();
                partition.offset = -1;
                answer.partitions.push(partition);
                continue;
            }
            let found = match led_here(&context, &name, wanted.partition_index) {
                Ok(log) => context.broker.list_offset(&name, log.id, position).await,
                Err(e) => Err(e),
            };
            match found {
                Ok(resolved) => {
                    partition.offset = resolved.offset as i64;
                    // Versions before 4 have no leader epoch (and the codec refuses to drop one).
                    if version >= 4 {
                        partition.leader_epoch =
                            partition_of(&context, &name, wanted.partition_index)
                                .map_or(-1, |p| leader_epoch(&p));
                    }
                }
                Err(e) => {
                    partition.error_code = errors::code(&e);
                    partition.offset = -1;
                }
            }
            answer.partitions.push(partition);
        }
        response.topics.push(answer);
    }
    response
}

/// Where each asked-for leader epoch ends in this broker's log (KIP-101, KIP-320): the start of
/// the next later epoch, or the log's end for the current one. Consumers check their position
/// with it after a leader change.
pub async fn offset_for_leader_epoch(
    context: Arc<KafkaContext>,
    request: OffsetForLeaderEpochRequest,
    caller: Option<Principal>,
) -> OffsetForLeaderEpochResponse {
    let mut response = OffsetForLeaderEpochResponse::default();
    for topic in request.topics {
        let mut answer = OffsetForLeaderTopicResult::default();
        answer.topic = topic.topic.clone();
        for wanted in topic.partitions {
            let mut result = EpochEndOffset::default();
            result.partition = wanted.partition;
            if !sasl::allows(caller.as_ref(), Right::Consume, &topic.topic.0) {
                result.error_code = ResponseError::TopicAuthorizationFailed.code();
                result.leader_epoch = -1;
                result.end_offset = -1;
                answer.partitions.push(result);
                continue;
            }
            match partition_of(&context, &topic.topic.0, wanted.partition) {
                Ok(log) => {
                    let (epoch, end) = epoch_end(&log, wanted.leader_epoch);
                    result.leader_epoch = epoch;
                    result.end_offset = end;
                }
                Err(e) => {
                    result.error_code = errors::code(&e);
                    result.leader_epoch = -1;
                    result.end_offset = -1;
                }
            }
            answer.partitions.push(result);
        }
        response.topics.push(answer);
    }
    response
}

/// The largest epoch at most `asked` in the partition's history and the offset it ends at.
fn epoch_end(log: &Partition, asked: i32) -> (i32, i64) {
    let end = log.end_offset() as i64;
    let epochs = log.epochs();
    if epochs.is_empty() {
        // A single broker: one epoch, 0, for the whole log.
        return if asked >= 0 { (0, end) } else { (-1, -1) };
    }
    let asked = asked.max(0) as u64;
    let Some(index) = epochs.iter().rposition(|e| e.epoch <= asked) else {
        return (-1, -1);
    };
    let epoch = epochs[index].epoch;
    let ends_at = epochs
        .get(index + 1)
        .map_or(end, |next| (next.start_offset as i64).min(end));
    (i32::try_from(epoch).unwrap_or(i32::MAX), ends_at)
}
