//! Metadata: the brokers, and each topic's partitions with their leader and leader epoch.

use std::sync::Arc;

use kafka_protocol::messages::metadata_response::{
    MetadataResponseBroker, MetadataResponsePartition, MetadataResponseTopic,
};
use kafka_protocol::messages::{BrokerId, MetadataRequest, MetadataResponse, TopicName};
use kafka_protocol::protocol::StrBytes;

use kafka_protocol::error::ResponseError;

use crate::broker::BrokerError;
use crate::broker::acl::{Principal, Right};

use super::{KafkaContext, errors, sasl};

/// Kafka's "no authorized operations reported" (KIP-430).
const NO_AUTHORIZED_OPERATIONS: i32 = i32::MIN;

/// A broker as Kafka clients reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaEndpoint {
    pub node_id: i32,
    pub host: String,
    pub port: u16,
}

/// A cluster node id as Kafka's 32-bit broker id.
pub fn kafka_node_id(id: u64) -> i32 {
    i32::try_from(id).unwrap_or(i32::MAX)
}

fn parse_endpoint(node_id: i32, address: &str) -> Option<KafkaEndpoint> {
    let (host, port) = address.rsplit_once(':')?;
    Some(KafkaEndpoint {
        node_id,
        host: host.trim_matches(['[', ']']).to_string(),
        port: port.parse().ok()?,
    })
}

/// Every broker Kafka clients can reach: this one alone, or the cluster's live brokers that
/// registered a Kafka address.
pub fn endpoints(context: &KafkaContext) -> Vec<KafkaEndpoint> {
    let options = &context.options;
    match &context.cluster {
        None => vec![KafkaEndpoint {
            node_id: options.node_id,
            host: options.advertised_host.clone(),
            port: options.advertised_port,
        }],
        Some(node) => node.view().with(|s| {
            s.brokers
                .values()
                .filter(|b| !b.fenced)
                .filter_map(|b| parse_endpoint(kafka_node_id(b.id), b.kafka_address.as_deref()?))
                .collect()
        }),
    }
}

/// Where Kafka clients reach broker `id` of the cluster (or this broker, alone).
pub fn endpoint_of(context: &KafkaContext, id: u64) -> Option<KafkaEndpoint> {
    let wanted = kafka_node_id(id);
    endpoints(context).into_iter().find(|e| e.node_id == wanted)
}

pub async fn handle(
    context: Arc<KafkaContext>,
    request: MetadataRequest,
    version: i16,
    caller: Option<Principal>,
) -> MetadataResponse {
    let caller = caller.as_ref();
    let broker = &context.broker;
    let mut response = MetadataResponse::default();
    response.brokers = endpoints(&context)
        .into_iter()
        .map(|e| {
            let mut listed = MetadataResponseBroker::default();
            listed.node_id = BrokerId(e.node_id);
            listed.host = StrBytes::from_string(e.host);
            listed.port = e.port as i32;
            listed
        })
        .collect();
    response.controller_id = BrokerId(match &context.cluster {
        None => context.options.node_id,
        Some(node) => node.status().controller.map_or(-1, kafka_node_id),
    });
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
    let names = match names {
        Some(names) => names,
        // All topics: those the caller may see.
        None => match &context.cluster {
            Some(node) => node
                .view()
                .with(|s| s.topics.keys().cloned().collect::<Vec<_>>()),
            None => broker.topics().iter().map(|t| t.name()).collect(),
        }
        .into_iter()
        .filter(|name| sasl::may_see(caller, name))
        .collect(),
    };
    // Each name is answered once, however often it is asked for (as Kafka does).
    let mut asked = std::collections::BTreeSet::new();
    let names: Vec<String> = names
        .into_iter()
        .filter(|n| asked.insert(n.clone()))
        .collect();
    // Listed once per answer, not once per topic.
    let reachable: Vec<i32> = response.brokers.iter().map(|b| b.node_id.0).collect();
    let mut topics = Vec::with_capacity(names.len());
    for name in names {
        if crate::broker::check_topic_name(&name).is_err() {
            let mut invalid = MetadataResponseTopic::default();
            invalid.name = Some(TopicName(StrBytes::from_string(name)));
            invalid.error_code = ResponseError::InvalidTopicException.code();
            invalid.topic_authorized_operations = NO_AUTHORIZED_OPERATIONS;
            topics.push(invalid);
            continue;
        }
        if !sasl::may_see(caller, &name) {
            let mut hidden = MetadataResponseTopic::default();
            hidden.name = Some(TopicName(StrBytes::from_string(name)));
            hidden.error_code = ResponseError::TopicAuthorizationFailed.code();
            hidden.topic_authorized_operations = NO_AUTHORIZED_OPERATIONS;
            topics.push(hidden);
            continue;
        }
        let mut found = topic_metadata(&context, &name, &reachable);
        // Creating a topic by asking for it takes the right to produce to it.
        let may_create = sasl::allows(caller, Right::Produce, &name);
        if matches!(&found, Err(BrokerError::TopicNotFound(_))) && auto_create && may_create {
            found = match broker.topic_for_produce(&name).await {
                // In a cluster the topic may be created with no replica here: it exists.
                Ok(_) | Err(BrokerError::NotLeader { .. }) => {
                    topic_metadata(&context, &name, &reachable)
                }
                Err(e) => Err(e),
            };
        }
        topics.push(found.unwrap_or_else(|e| {
            let mut missing = MetadataResponseTopic::default();
            missing.name = Some(TopicName(StrBytes::from_string(name)));
            missing.error_code = errors::code(&e);
            missing.topic_authorized_operations = NO_AUTHORIZED_OPERATIONS;
            missing
        }));
    }
    response.topics = topics;
    response
}

fn partition_metadata(
    index: u32,
    leader: Option<i32>,
    leader_epoch: i32,
    replicas: Vec<i32>,
    isr: Vec<i32>,
) -> MetadataResponsePartition {
    let mut partition = MetadataResponsePartition::default();
    partition.partition_index = index as i32;
    match leader {
        Some(leader) => partition.leader_id = BrokerId(leader),
        None => {
            partition.leader_id = BrokerId(-1);
            partition.error_code = ResponseError::LeaderNotAvailable.code();
        }
    }
    partition.leader_epoch = leader_epoch;
    partition.replica_nodes = replicas.into_iter().map(BrokerId).collect();
    partition.isr_nodes = isr.into_iter().map(BrokerId).collect();
    partition
}

/// A topic's partitions with their leaders: this broker's own, or the cluster's metadata.
/// `reachable`: the brokers this answer lists, the only leaders Kafka clients can use.
fn topic_metadata(
    context: &KafkaContext,
    name: &str,
    reachable: &[i32],
) -> Result<MetadataResponseTopic, BrokerError> {
    let mut metadata = MetadataResponseTopic::default();
    metadata.name = Some(TopicName(StrBytes::from_string(name.to_string())));
    metadata.topic_authorized_operations = NO_AUTHORIZED_OPERATIONS;
    metadata.partitions = match &context.cluster {
        None => {
            let me = context.options.node_id;
            let topic = context.broker.topic(name)?;
            topic
                .partitions()
                .iter()
                .map(|p| {
                    partition_metadata(
                        p.id,
                        Some(me),
                        super::fetch::leader_epoch(p),
                        vec![me],
                        vec![me],
                    )
                })
                .collect()
        }
        Some(node) => {
            let record = node
                .view()
                .with(|s| s.topics.get(name).cloned())
                .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))?;
            let ids = |ids: &[u64]| ids.iter().map(|id| kafka_node_id(*id)).collect::<Vec<_>>();
            record
                .partitions
                .iter()
                .enumerate()
                .map(|(index, p)| {
                    // A leader Kafka clients cannot reach is no leader to them.
                    let leader = p
                        .leader
                        .map(kafka_node_id)
                        .filter(|id| reachable.contains(id));
                    partition_metadata(
                        index as u32,
                        leader,
                        i32::try_from(p.leader_epoch).unwrap_or(i32::MAX),
                        ids(&p.replicas),
                        ids(&p.isr),
                    )
                })
                .collect()
        }
    };
    Ok(metadata)
}
