//! Produce and InitProducerId: Kafka producers, idempotent ones included, append through the
//! engine's produce path, so their retries are deduplicated as the gRPC producers' are.

use std::sync::Arc;

use bytes::Bytes;
use futures::future::join_all;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::produce_response::{PartitionProduceResponse, TopicProduceResponse};
use kafka_protocol::messages::{
    InitProducerIdRequest, InitProducerIdResponse, ProduceRequest, ProduceResponse, ProducerId,
};

use crate::broker::produce::{Acks, PendingAcks, ProducePayload};
use crate::broker::{Broker, BrokerError};

use super::records::{self, KafkaBatchError};
use super::{KafkaContext, errors, sasl};
use crate::broker::acl::{Principal, Right};

/// One partition's part of a produce request, appended: where its first record went, or why
/// it was refused.
struct PartitionAppend {
    partition: i32,
    outcome: Result<u64, (i16, String)>,
    log_start_offset: i64,
}

/// A produce request appended in request order, its acknowledgement still to come.
pub struct Appended {
    topics: Vec<(kafka_protocol::messages::TopicName, Vec<PartitionAppend>)>,
    acks: Vec<(usize, usize, PendingAcks)>,
}

fn batch_error_code(error: &KafkaBatchError) -> i16 {
    match error {
        KafkaBatchError::Corrupt(_) => ResponseError::CorruptMessage,
        KafkaBatchError::OldFormat(_) => ResponseError::UnsupportedForMessageFormat,
        KafkaBatchError::Transactional => ResponseError::InvalidRecord,
        KafkaBatchError::TooLarge { .. } => ResponseError::RecordListTooLarge,
    }
    .code()
}

/// Appends every partition's batches of `request`; `None` for acks=0, which gets no answer.
pub async fn append(
    context: &KafkaContext,
    request: ProduceRequest,
    caller: Option<&Principal>,
) -> Option<Appended> {
    let broker = &context.broker;
    let acks = match request.acks {
        0 | 1 => Ok(Acks::Leader),
        -1 => Ok(Acks::All),
        other => Err(other),
    };
    let transactional = request
        .transactional_id
        .as_ref()
        .is_some_and(|t| !t.0.is_empty());
    let max_batch_bytes = broker.config().limits.max_batch_bytes;
    let mut topics = Vec::with_capacity(request.topic_data.len());
    let mut acks_pending = Vec::new();
    for (topic_index, topic) in request.topic_data.into_iter().enumerate() {
        let name = topic.name.0.to_string();
        let permitted = sasl::allows(caller, Right::Produce, &name);
        // A partition named twice keeps its last record set, as Kafka's broker does, and is
        // answered once.
        let mut by_partition = std::collections::BTreeMap::new();
        for data in topic.partition_data {
            by_partition.insert(data.index, data);
        }
        let appends = by_partition.into_values().map(|data| {
            let name = name.clone();
            async move {
                let partition = data.index;
                let outcome = match acks {
                    _ if !permitted => Err((
                        ResponseError::TopicAuthorizationFailed.code(),
                        format!("no produce right on topic {name:?}"),
                    )),
                    _ if transactional => Err((
                        ResponseError::TransactionalIdAuthorizationFailed.code(),
                        "transactions are not supported".to_string(),
                    )),
                    Err(other) => Err((
                        ResponseError::InvalidRequiredAcks.code(),
                        format!("acks {other}: 0, 1 or -1"),
                    )),
                    Ok(acks) => {
                        append_partition(
                            broker,
                            &name,
                            partition,
                            data.records,
                            acks,
                            max_batch_bytes,
                        )
                        .await
                    }
                };
                (partition, outcome)
            }
        });
        let mut partitions = Vec::new();
        for (partition_index, (partition, outcome)) in
            join_all(appends).await.into_iter().enumerate()
        {
            let log_start_offset = u32::try_from(partition)
                .ok()
                .and_then(|p| broker.topic(&name).ok()?.partition(p).ok())
                .map_or(-1, |p| p.start_offset() as i64);
            let outcome = match outcome {
                Ok((base_offset, pending)) => {
                    acks_pending.push((topic_index, partition_index, pending));
                    Ok(base_offset)
                }
                Err(e) => Err(e),
            };
            partitions.push(PartitionAppend {
                partition,
                outcome,
                log_start_offset,
            });
        }
        topics.push((topic.name, partitions));
    }
    if request.acks == 0 {
        return None;
    }
    Some(Appended {
        topics,
        acks: acks_pending,
    })
}

async fn append_partition(
    broker: &Broker,
    topic: &str,
    partition: i32,
    records: Option<Bytes>,
    acks: Acks,
    max_batch_bytes: usize,
) -> Result<(u64, PendingAcks), (i16, String)> {
    let from_engine = |e: BrokerError| (errors::code(&e), e.to_string());
    let partition = u32::try_from(partition).map_err(|_| {
        (
            ResponseError::UnknownTopicOrPartition.code(),
            format!("partition {partition}"),
        )
    })?;
    let records = records.ok_or_else(|| {
        (
            ResponseError::CorruptMessage.code(),
            "no records".to_string(),
        )
    })?;
    let batches = records::from_kafka(records, max_batch_bytes)
        .map_err(|e| (batch_error_code(&e), e.to_string()))?;
    let payload =
        ProducePayload::Batches(batches.into_iter().map(|b| (partition, b.bytes)).collect());
    let routed = broker
        .route(topic, payload)
        .await
        .map_err(from_engine)?
        .with_acks(acks);
    let (produced, pending) = broker
        .append_routed_unacked(vec![routed])
        .await
        .map_err(from_engine)?;
    let base_offset = produced
        .first()
        .and_then(|p| p.batches.first())
        .map_or(0, |b| b.base_offset);
    Ok((base_offset, pending))
}

/// Waits for the appended batches' acknowledgements and answers the request.
pub async fn acknowledge(appended: Appended) -> ProduceResponse {
    let Appended { mut topics, acks } = appended;
    for (topic, partition, pending) in acks {
        if let Err(e) = pending.wait().await {
            let slot = &mut topics[topic].1[partition];
            slot.outcome = Err((errors::code(&e), e.to_string()));
        }
    }
    let mut response = ProduceResponse::default();
    response.responses = topics
        .into_iter()
        .map(|(name, partitions)| {
            let mut topic = TopicProduceResponse::default();
            topic.name = name;
            topic.partition_responses = partitions
                .into_iter()
                .map(|p| {
                    let mut answer = PartitionProduceResponse::default();
                    answer.index = p.partition;
                    answer.log_append_time_ms = -1;
                    answer.log_start_offset = p.log_start_offset;
                    match p.outcome {
                        Ok(base_offset) => answer.base_offset = base_offset as i64,
                        Err((code, message)) => {
                            answer.base_offset = -1;
                            answer.error_code = code;
                            answer.error_message = Some(message.into());
                        }
                    }
                    answer
                })
                .collect();
            topic
        })
        .collect();
    response
}

/// A producer id and epoch for an idempotent producer; a producer that names its current id
/// and epoch (KIP-360) gets the next epoch of the same id. Transactional ids are refused.
pub async fn init_producer_id(
    context: Arc<KafkaContext>,
    request: InitProducerIdRequest,
) -> InitProducerIdResponse {
    let mut response = InitProducerIdResponse::default();
    response.producer_id = ProducerId(-1);
    response.producer_epoch = -1;
    if request
        .transactional_id
        .as_ref()
        .is_some_and(|t| !t.0.is_empty())
    {
        response.error_code = ResponseError::TransactionalIdAuthorizationFailed.code();
        return response;
    }
    let renewing = (request.producer_id.0 >= 0 && request.producer_epoch >= 0)
        .then_some((request.producer_id.0, request.producer_epoch));
    match context.broker.init_producer(renewing).await {
        Ok((id, epoch)) => {
            response.producer_id = ProducerId(id);
            response.producer_epoch = epoch;
        }
        Err(e) => response.error_code = errors::code(&e),
    }
    response
}
