//! The Admin service: create, list, describe, configure and delete topics.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::broker::acl::Right;
use crate::broker::{self, Broker, BrokerError, TopicConfigUpdate};
use crate::cluster::ClusterError;
use crate::cluster::replication::ReplicaManager;
use crate::wire::v1 as pb;
use crate::wire::v1::admin_server::Admin;

use super::auth::{self, authorize};

pub struct AdminService {
    broker: Arc<Broker>,
    /// In a cluster, topics are created through the controller.
    replicas: Option<Arc<ReplicaManager>>,
}

impl AdminService {
    pub fn new(broker: Arc<Broker>, replicas: Option<Arc<ReplicaManager>>) -> Self {
        AdminService { broker, replicas }
    }
}

fn config_update(config: Option<pb::TopicConfig>) -> TopicConfigUpdate {
    let config = config.unwrap_or_default();
    TopicConfigUpdate {
        retention_ms: config.retention_ms,
        retention_bytes: config.retention_bytes,
        segment_bytes: config.segment_bytes,
        segment_ms: config.segment_ms,
    }
}

/// The wire form of a topic's description: every config field set, 0 for unbounded.
pub fn describe(topic: broker::TopicDescription) -> pb::TopicDescription {
    pb::TopicDescription {
        name: topic.name,
        partitions: topic.partitions.len() as u32,
        config: Some(pb::TopicConfig {
            retention_ms: Some(topic.config.retention_ms.unwrap_or(0)),
            retention_bytes: Some(topic.config.retention_bytes.unwrap_or(0)),
            segment_bytes: Some(topic.config.segment_bytes),
            segment_ms: Some(topic.config.segment_ms),
        }),
        partition_details: topic
            .partitions
            .into_iter()
            .map(|p| pb::PartitionDescription {
                partition: p.partition,
                start_offset: p.start_offset,
                end_offset: p.end_offset,
                size_bytes: p.size_bytes,
            })
            .collect(),
    }
}

/// A topic change the metadata refused: the request did not fit the topic (INVALID_ARGUMENT),
/// or the topic is gone (NOT_FOUND).
fn cluster_change_error(error: ClusterError) -> Status {
    match error {
        ClusterError::Rejected(reason) if reason.contains("does not exist") => {
            Status::not_found(reason)
        }
        ClusterError::Rejected(reason) => Status::invalid_argument(reason),
        other => other.into(),
    }
}

impl AdminService {
    /// A topic as this broker describes it: its own copy when it holds one, else the metadata's
    /// partition count and settings without per-partition details.
    fn describe_in_cluster(
        &self,
        replicas: &ReplicaManager,
        name: &str,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        if let Ok(topic) = self.broker.topic(name) {
            return Ok(Response::new(describe(topic.describe())));
        }
        let record = replicas
            .topic_record(name)
            .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))?;
        Ok(Response::new(pb::TopicDescription {
            partitions: record.partitions.len() as u32,
            ..describe(broker::TopicDescription {
                name: record.name,
                config: record.config,
                partitions: Vec::new(),
            })
        }))
    }

    async fn create_in_cluster(
        &self,
        replicas: &ReplicaManager,
        request: pb::CreateTopicRequest,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        broker::check_topic_name(&request.name)?;
        let partitions = request
            .partitions
            .unwrap_or(self.broker.config().default_partitions);
        if partitions == 0 || partitions > broker::MAX_PARTITIONS_PER_TOPIC {
            return Err(Status::invalid_argument(format!(
                "partitions must be between 1 and {}, got {partitions}",
                broker::MAX_PARTITIONS_PER_TOPIC
            )));
        }
        let config =
            config_update(request.config).apply_to(self.broker.config().default_log_config)?;
        match replicas
            .create_topic(
                &request.name,
                partitions,
                request.replication_factor,
                config,
            )
            .await
        {
            Ok(()) => {}
            Err(ClusterError::Rejected(reason)) if reason.contains("already exists") => {
                return Err(Status::already_exists(reason));
            }
            Err(ClusterError::Rejected(reason)) => return Err(Status::invalid_argument(reason)),
            Err(e) => return Err(e.into()),
        }
        self.describe_in_cluster(replicas, &request.name)
    }
}

#[tonic::async_trait]
impl Admin for AdminService {
    async fn create_topic(
        &self,
        request: Request<pb::CreateTopicRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        let request = request.into_inner();
        if let Some(replicas) = &self.replicas {
            return self.create_in_cluster(replicas, request).await;
        }
        let topic = self
            .broker
            .create_topic(
                &request.name,
                request.partitions,
                config_update(request.config),
            )
            .await?;
        Ok(Response::new(describe(topic.describe())))
    }

    async fn list_topics(
        &self,
        request: Request<pb::ListTopicsRequest>,
    ) -> Result<Response<pb::ListTopicsResponse>, Status> {
        // A principal sees the topics it holds some right on.
        let principal = auth::principal(&request);
        let topics = match &self.replicas {
            // Every topic of the cluster, whether or not this broker holds a replica of it.
            Some(replicas) => replicas
                .topic_names()
                .iter()
                .filter_map(|name| self.describe_in_cluster(replicas, name).ok())
                .map(Response::into_inner)
                .filter(|t| auth::may_see(principal.as_ref(), &t.name))
                .collect(),
            None => self
                .broker
                .topics()
                .iter()
                .map(|t| describe(t.describe()))
                .filter(|t| auth::may_see(principal.as_ref(), &t.name))
                .collect(),
        };
        Ok(Response::new(pb::ListTopicsResponse { topics }))
    }

    async fn describe_topic(
        &self,
        request: Request<pb::DescribeTopicRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        let principal = auth::principal(&request);
        let name = request.into_inner().name;
        broker::check_topic_name(&name)?;
        if !auth::may_see(principal.as_ref(), &name) {
            return Err(Status::permission_denied(format!(
                "no right on topic {name:?}"
            )));
        }
        match &self.replicas {
            Some(replicas) => self.describe_in_cluster(replicas, &name),
            None => Ok(Response::new(describe(
                self.broker.topic(&name)?.describe(),
            ))),
        }
    }

    async fn delete_topic(
        &self,
        request: Request<pb::DeleteTopicRequest>,
    ) -> Result<Response<pb::DeleteTopicResponse>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        let name = request.into_inner().name;
        broker::check_topic_name(&name)?;
        match &self.replicas {
            Some(replicas) => match replicas.delete_topic(&name).await {
                Ok(()) => {}
                Err(ClusterError::Rejected(reason)) => return Err(Status::not_found(reason)),
                Err(e) => return Err(e.into()),
            },
            None => self.broker.delete_topic(&name).await?,
        }
        Ok(Response::new(pb::DeleteTopicResponse {}))
    }

    async fn update_topic_config(
        &self,
        request: Request<pb::UpdateTopicConfigRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        let request = request.into_inner();
        broker::check_topic_name(&request.name)?;
        let Some(replicas) = &self.replicas else {
            let topic = self
                .broker
                .update_topic_config(&request.name, config_update(request.config))
                .await?;
            return Ok(Response::new(describe(topic)));
        };
        // In a cluster the change goes through the controller, from the metadata's settings, so
        // every replica ends with the same ones.
        let current = replicas
            .topic_record(&request.name)
            .ok_or_else(|| BrokerError::TopicNotFound(request.name.clone()))?;
        let config = config_update(request.config).apply_to(current.config)?;
        replicas
            .update_topic_config(&request.name, config)
            .await
            .map_err(cluster_change_error)?;
        self.describe_in_cluster(replicas, &request.name)
    }

    async fn create_partitions(
        &self,
        request: Request<pb::CreatePartitionsRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        let request = request.into_inner();
        broker::check_topic_name(&request.name)?;
        let Some(replicas) = &self.replicas else {
            let topic = self
                .broker
                .create_partitions(&request.name, request.total_partitions)
                .await?;
            return Ok(Response::new(describe(topic)));
        };
        if request.total_partitions > broker::MAX_PARTITIONS_PER_TOPIC {
            return Err(Status::invalid_argument(format!(
                "partitions must be at most {}, got {}",
                broker::MAX_PARTITIONS_PER_TOPIC,
                request.total_partitions
            )));
        }
        if replicas.topic_record(&request.name).is_none() {
            return Err(BrokerError::TopicNotFound(request.name).into());
        }
        replicas
            .create_partitions(&request.name, request.total_partitions)
            .await
            .map_err(cluster_change_error)?;
        self.describe_in_cluster(replicas, &request.name)
    }
}
