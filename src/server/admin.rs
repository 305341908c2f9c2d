//! The Admin service: create, list, describe, configure and delete topics.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::broker::acl::Right;
use crate::broker::{self, Broker, TopicConfigUpdate};
use crate::wire::v1 as pb;
use crate::wire::v1::admin_server::Admin;

use super::auth::{self, authorize};

pub struct AdminService {
    broker: Arc<Broker>,
}

impl AdminService {
    pub fn new(broker: Arc<Broker>) -> Self {
        AdminService { broker }
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

#[tonic::async_trait]
impl Admin for AdminService {
    async fn create_topic(
        &self,
        request: Request<pb::CreateTopicRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        let request = request.into_inner();
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
        let topics = self
            .broker
            .topics()
            .iter()
            .map(|t| describe(t.describe()))
            .filter(|t| auth::may_see(principal.as_ref(), &t.name))
            .collect();
        Ok(Response::new(pb::ListTopicsResponse { topics }))
    }

    async fn describe_topic(
        &self,
        request: Request<pb::DescribeTopicRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        let principal = auth::principal(&request);
        let name = request.into_inner().name;
        if !auth::may_see(principal.as_ref(), &name) {
            return Err(Status::permission_denied(format!(
                "no right on topic {name:?}"
            )));
        }
        let topic = self.broker.topic(&name)?;
        Ok(Response::new(describe(topic.describe())))
    }

    async fn delete_topic(
        &self,
        request: Request<pb::DeleteTopicRequest>,
    ) -> Result<Response<pb::DeleteTopicResponse>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        self.broker.delete_topic(&request.into_inner().name).await?;
        Ok(Response::new(pb::DeleteTopicResponse {}))
    }

    async fn update_topic_config(
        &self,
        request: Request<pb::UpdateTopicConfigRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        let request = request.into_inner();
        let topic = self
            .broker
            .update_topic_config(&request.name, config_update(request.config))
            .await?;
        Ok(Response::new(describe(topic)))
    }

    async fn create_partitions(
        &self,
        request: Request<pb::CreatePartitionsRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        let request = request.into_inner();
        let topic = self
            .broker
            .create_partitions(&request.name, request.total_partitions)
            .await?;
        Ok(Response::new(describe(topic)))
    }
}
