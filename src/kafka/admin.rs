//! CreateTopics, DeleteTopics, CreatePartitions and DescribeConfigs, as Kafka's AdminClient
//! sends them. The topic settings FlashQ has are Kafka's names for them: `retention.ms`,
//! `retention.bytes`, `segment.bytes` and `segment.ms`; any other setting is refused
//! (INVALID_CONFIG) rather than silently ignored.

use std::sync::Arc;

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::create_topics_response::CreatableTopicResult;
use kafka_protocol::messages::delete_topics_response::DeletableTopicResult;
use kafka_protocol::messages::describe_configs_response::{
    DescribeConfigsResourceResult, DescribeConfigsResult,
};
use kafka_protocol::messages::{
    CreatePartitionsRequest, CreatePartitionsResponse, CreateTopicsRequest, CreateTopicsResponse,
    DeleteTopicsRequest, DeleteTopicsResponse, DescribeConfigsRequest, DescribeConfigsResponse,
    TopicName,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::{BrokerError, TopicConfigUpdate};
use crate::storage::LogConfig;

use super::{KafkaContext, errors, sasl};
use crate::broker::acl::{Principal, Right};

/// DescribeConfigs' resource type of a topic (Kafka's `ConfigResource.Type.TOPIC`).
const TOPIC_RESOURCE: i8 = 2;
/// Config sources (KIP-226): set on the topic, or the broker's default.
const TOPIC_CONFIG_SOURCE: i8 = 1;
const DEFAULT_CONFIG_SOURCE: i8 = 5;

/// A topic setting from its Kafka name and text; `Err` names what is wrong with it.
fn apply_setting(update: &mut TopicConfigUpdate, name: &str, value: &str) -> Result<(), String> {
    let number = || {
        value
            .parse::<i64>()
            .map_err(|_| format!("{name}={value:?}: not a whole number"))
    };
    // Kafka's -1 for retention means "no limit", which FlashQ writes as 0.
    let retention = |n: i64| if n < 0 { 0 } else { n as u64 };
    match name {
        "retention.ms" => update.retention_ms = Some(retention(number()?)),
        "retention.bytes" => update.retention_bytes = Some(retention(number()?)),
        "segment.bytes" => update.segment_bytes = Some(number()?.max(0) as u64),
        "segment.ms" => update.segment_ms = Some(number()?.max(0) as u64),
        other => return Err(format!("topic setting {other:?} is not supported")),
    }
    Ok(())
}

pub async fn create_topics(
    context: Arc<KafkaContext>,
    request: CreateTopicsRequest,
    caller: Option<Principal>,
) -> CreateTopicsResponse {
    let broker = &context.broker;
    let mut response = CreateTopicsResponse::default();
    for topic in request.topics {
        let mut result = CreatableTopicResult::default();
        result.name = topic.name.clone();
        let name = topic.name.0.to_string();
        let mut update = TopicConfigUpdate::default();
        let mut failure: Option<(i16, String)> = None;
        for config in &topic.configs {
            let value = config.value.as_deref().unwrap_or_default();
            if let Err(reason) = apply_setting(&mut update, &config.name, value) {
                failure = Some((ResponseError::InvalidConfig.code(), reason));
            }
        }
        if !topic.assignments.is_empty() {
            failure = Some((
                ResponseError::InvalidReplicaAssignment.code(),
                "replica assignments are not supported".to_string(),
            ));
        }
        let partitions = (topic.num_partitions > 0).then_some(topic.num_partitions as u32);
        if !sasl::allows(caller.as_ref(), Right::Admin, &name) {
            failure = Some((
                ResponseError::TopicAuthorizationFailed.code(),
                format!("no admin right on topic {name:?}"),
            ));
        }
        if topic.num_partitions == 0 || topic.num_partitions < -1 {
            failure = Some((
                ResponseError::InvalidPartitions.code(),
                format!("{} partitions", topic.num_partitions),
            ));
        }
        let created = match failure {
            Some(failure) => Err(failure),
            None if request.validate_only => match broker.topic(&name) {
                Ok(_) => Err((
                    ResponseError::TopicAlreadyExists.code(),
                    format!("topic {name:?} already exists"),
                )),
                Err(_) => Ok(partitions.unwrap_or(broker.config().default_partitions)),
            },
            None => context
                .admin
                .create_topic(
                    &name,
                    partitions,
                    u32::try_from(topic.replication_factor).ok(),
                    update,
                )
                .await
                .map_err(|e| (create_error_code(&e), e.to_string())),
        };
        match created {
            Ok(count) => {
                result.num_partitions = count as i32;
                result.replication_factor = topic.replication_factor.max(1);
            }
            Err((code, message)) => {
                result.error_code = code;
                result.error_message = Some(StrBytes::from_string(message));
                result.num_partitions = -1;
                result.replication_factor = -1;
            }
        }
        response.topics.push(result);
    }
    response
}

/// CreateTopics answers bad names and counts with its own codes.
fn create_error_code(error: &BrokerError) -> i16 {
    match error {
        BrokerError::InvalidArgument(message) if message.contains("replication factor") => {
            ResponseError::InvalidReplicationFactor.code()
        }
        BrokerError::InvalidArgument(message) if message.contains("partitions") => {
            ResponseError::InvalidPartitions.code()
        }
        BrokerError::InvalidArgument(_) => ResponseError::InvalidTopicException.code(),
        other => errors::code(other),
    }
}

pub async fn delete_topics(
    context: Arc<KafkaContext>,
    request: DeleteTopicsRequest,
    caller: Option<Principal>,
) -> DeleteTopicsResponse {
    // Version 6 names topics in `topics`, earlier versions in `topic_names`.
    let names: Vec<TopicName> = request
        .topic_names
        .into_iter()
        .chain(request.topics.into_iter().filter_map(|t| t.name))
        .collect();
    let mut response = DeleteTopicsResponse::default();
    for name in names {
        let mut result = DeletableTopicResult::default();
        if !sasl::allows(caller.as_ref(), Right::Admin, &name.0) {
            result.error_code = ResponseError::TopicAuthorizationFailed.code();
        } else if let Err(e) = context.admin.delete_topic(&name.0).await {
            result.error_code = errors::code(&e);
            result.error_message = errors::message(&e);
        }
        result.name = Some(name);
        response.responses.push(result);
    }
    response
}

pub async fn create_partitions(
    context: Arc<KafkaContext>,
    request: CreatePartitionsRequest,
    caller: Option<Principal>,
) -> CreatePartitionsResponse {
    let mut response = CreatePartitionsResponse::default();
    for topic in request.topics {
        let mut result = CreatePartitionsTopicResult::default();
        let name = topic.name.0.to_string();
        result.name = topic.name;
        let outcome = match u32::try_from(topic.count) {
            _ if !sasl::allows(caller.as_ref(), Right::Admin, &name) => Err((
                ResponseError::TopicAuthorizationFailed.code(),
                format!("no admin right on topic {name:?}"),
            )),
            Err(_) => Err((
                ResponseError::InvalidPartitions.code(),
                format!("{} partitions", topic.count),
            )),
            Ok(_) if request.validate_only => Ok(()),
            Ok(count) => context
                .admin
                .create_partitions(&name, count)
                .await
                .map_err(|e| (create_error_code(&e), e.to_string())),
        };
        if let Err((code, message)) = outcome {
            result.error_code = code;
            result.error_message = Some(StrBytes::from_string(message));
        }
        response.results.push(result);
    }
    response
}

/// A topic's settings under Kafka's names, with whether each was set on the topic.
fn topic_settings(config: &LogConfig, defaults: &LogConfig) -> Vec<(&'static str, String, bool)> {
    let limit = |v: Option<u64>| v.map_or("-1".to_string(), |v| v.to_string());
    vec![
        (
            "retention.ms",
            limit(config.retention_ms),
            config.retention_ms != defaults.retention_ms,
        ),
        (
            "retention.bytes",
            limit(config.retention_bytes),
            config.retention_bytes != defaults.retention_bytes,
        ),
        (
            "segment.bytes",
            config.segment_bytes.to_string(),
            config.segment_bytes != defaults.segment_bytes,
        ),
        (
            "segment.ms",
            config.segment_ms.to_string(),
            config.segment_ms != defaults.segment_ms,
        ),
    ]
}

pub async fn describe_configs(
    context: Arc<KafkaContext>,
    request: DescribeConfigsRequest,
    caller: Option<Principal>,
) -> DescribeConfigsResponse {
    let defaults = context.broker.config().default_log_config;
    let mut response = DescribeConfigsResponse::default();
    for resource in request.resources {
        let mut result = DescribeConfigsResult::default();
        result.resource_type = resource.resource_type;
        result.resource_name = resource.resource_name.clone();
        if resource.resource_type != TOPIC_RESOURCE {
            // Broker settings are FlashQ's own flags, not Kafka's: none are described.
            response.results.push(result);
            continue;
        }
        if !sasl::may_see(caller.as_ref(), &resource.resource_name) {
            result.error_code = ResponseError::TopicAuthorizationFailed.code();
            response.results.push(result);
            continue;
        }
        // Through the admin path: in a cluster, the metadata's settings, replica here or not.
        match context.admin.describe_topic(&resource.resource_name) {
            Err(e) => {
                result.error_code = errors::code(&e);
                result.error_message = errors::message(&e);
            }
            Ok(topic) => {
                let wanted = resource.configuration_keys.as_ref();
                result.configs = topic_settings(&topic.description.config, &defaults)
                    .into_iter()
                    .filter(|(name, ..)| {
                        wanted.is_none_or(|keys| keys.iter().any(|k| k.as_str() == *name))
                    })
                    .map(|(name, value, set)| {
                        let mut entry = DescribeConfigsResourceResult::default();
                        entry.name = StrBytes::from_static_str(name);
                        entry.value = Some(StrBytes::from_string(value));
                        entry.config_source = if set {
                            TOPIC_CONFIG_SOURCE
                        } else {
                            DEFAULT_CONFIG_SOURCE
                        };
                        entry
                    })
                    .collect();
            }
        }
        response.results.push(result);
    }
    response
}
