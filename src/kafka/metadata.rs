//! Metadata: the brokers, and each topic's partitions with their leader and leader epoch.

use std::sync::Arc;

use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use crate::broker::{BrokerError, Topic};

use super::{KafkaContext, errors};

/// Kafka's "no authorized operations reported" (KIP-430).
const NO_AUTHORIZED_OPERATIONS: i32 = i32::MIN;

pub async fn handle(
    context: Arc<KafkaContext>,
    request: MetadataRequest,
    version: i16,
) -> MetadataResponse {
    let broker = &context.broker;
    let options = &context.options;
    let mut response = MetadataResponse::default();
    let mut me = MetadataResponseBroker::default();
    me.node_id = BrokerId(options.node_id);
    me.host = StrBytes::from_string(options.advertised_host.clone());
    me.port = options.advertised_port as i32;
    response.brokers = vec![me];
    response.controller_id = BrokerId(options.node_id);
    response.cluster_id = Some(StrBytes::from_static_str("flashq"));
    response.cluster_authorized_operations = NO_AUTHORIZED_OPERATIONS;
    // Version 0 has no way to ask for all topics but an empty list; later versions use null.
    let names: Option<Vec<String>> = match request.topics {
        None => None,
        Some(topics) if topics.is_empty() && version == 0 => None,
        Some(topics) => Some(
            topics
                .into_iter()
                .filter_map(|t| t.name.map(|n| n.0.to_string()))
                .collect(),
        ),
    };
    // Before version 4 a request could not say no: topics are created as Kafka did then.
    let auto_create = version < 4 || request.allow_auto_topic_creation;
    response.topics = match names {
        None => broker
            .topics()
            .iter()
            .map(|t| topic_metadata(&context, t))
            .collect(),
        Some(names) => {
            let mut topics = Vec::with_capacity(names.len());
            for name in names {
                let found = match broker.topic(&name) {
                    Err(BrokerError::TopicNotFound(_)) if auto_create => {
                        broker.topic_for_produce(&name).await
                    }
                    found => found,
                };
                topics.push(match found {
                    Ok(topic) => topic_metadata(&context, &topic),
                    Err(e) => {
                        let mut missing = MetadataResponseTopic::default();
                        missing.name = Some(TopicName(StrBytes::from_string(name)));
                        missing.error_code = errors::code(&e);
                        missing.topic_authorized_operations = NO_AUTHORIZED_OPERATIONS;
                        missing
                    }
                });
            }
            topics
        }
    };
    response
}

fn topic_metadata(context: &KafkaContext, topic: &Topic) -> MetadataResponseTopic {
    let me = BrokerId(context.options.node_id);
    let mut metadata = MetadataResponseTopic::default();
    metadata.name = Some(TopicName(StrBytes::from_string(topic.name())));
    metadata.topic_authorized_operations = NO_AUTHORIZED_OPERATIONS;
    metadata.partitions = topic
        .partitions()
        .iter()
        .map(|p| {
            let mut partition = MetadataResponsePartition::default();
            partition.partition_index = p.id as i32;
            partition.leader_id = me;
            partition.leader_epoch = super::fetch::leader_epoch(p);
            partition.replica_nodes = vec![me];
            partition.isr_nodes = vec![me];
            partition
        })
        .collect();
    metadata
}
