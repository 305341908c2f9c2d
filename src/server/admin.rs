//! The Admin service: create, list, describe, configure and delete topics. It translates the
//! wire to [`TopicAdmin`] and back and checks the caller's rights; whether this broker is
//! alone or one of a cluster is the trait's business (the single `Broker`, or the cluster's
//! metadata quorum), and so is every check of the request's contents.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::broker::TopicConfigUpdate;
use crate::broker::acl::Right;
use crate::broker::topic_admin::{TopicAdmin, TopicView};
use crate::wire::v1 as pb;
use crate::wire::v1::admin_server::Admin;

use super::auth::{self, authorize};

pub struct AdminService {
    admin: Arc<dyn TopicAdmin>,
}

impl AdminService {
    pub fn new(admin: Arc<dyn TopicAdmin>) -> Self {
        AdminService { admin }
    }

    fn described(&self, name: &str) -> Result<Response<pb::TopicDescription>, Status> {
        Ok(Response::new(describe(self.admin.describe_topic(name)?)))
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
pub fn describe(topic: TopicView) -> pb::TopicDescription {
    let TopicView {
        description,
        partition_count,
    } = topic;
    pb::TopicDescription {
        name: description.name,
        partitions: partition_count,
        config: Some(pb::TopicConfig {
            retention_ms: Some(description.config.retention_ms.unwrap_or(0)),
            retention_bytes: Some(description.config.retention_bytes.unwrap_or(0)),
            segment_bytes: Some(description.config.segment_bytes),
            segment_ms: Some(description.config.segment_ms),
        }),
        partition_details: description
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
        self.admin
            .create_topic(
                &request.name,
                request.partitions,
                request.replication_factor,
                config_update(request.config),
            )
            .await?;
        self.described(&request.name)
    }

    async fn list_topics(
        &self,
        request: Request<pb::ListTopicsRequest>,
    ) -> Result<Response<pb::ListTopicsResponse>, Status> {
        // A principal sees the topics it holds some right on; in a cluster, every topic of the
        // cluster, whether or not this broker holds a replica of it.
        let principal = auth::principal(&request);
        let topics = self
            .admin
            .topic_names()
            .iter()
            .filter(|name| auth::may_see(principal.as_ref(), name))
            .filter_map(|name| self.admin.describe_topic(name).ok())
            .map(describe)
            .collect();
        Ok(Response::new(pb::ListTopicsResponse { topics }))
    }

    async fn describe_topic(
        &self,
        request: Request<pb::DescribeTopicRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        let principal = auth::principal(&request);
        let name = request.into_inner().name;
        crate::broker::check_topic_name(&name)?;
        if !auth::may_see(principal.as_ref(), &name) {
            return Err(Status::permission_denied(format!(
                "no right on topic {name:?}"
            )));
        }
        self.described(&name)
    }

    async fn delete_topic(
        &self,
        request: Request<pb::DeleteTopicRequest>,
    ) -> Result<Response<pb::DeleteTopicResponse>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        self.admin.delete_topic(&request.into_inner().name).await?;
        Ok(Response::new(pb::DeleteTopicResponse {}))
    }

    async fn update_topic_config(
        &self,
        request: Request<pb::UpdateTopicConfigRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        let request = request.into_inner();
        self.admin
            .update_topic_config(&request.name, config_update(request.config))
            .await?;
        self.described(&request.name)
    }

    async fn create_partitions(
        &self,
        request: Request<pb::CreatePartitionsRequest>,
    ) -> Result<Response<pb::TopicDescription>, Status> {
        authorize(&request, Right::Admin, &request.get_ref().name)?;
        let request = request.into_inner();
        self.admin
            .create_partitions(&request.name, request.total_partitions)
            .await?;
        self.described(&request.name)
    }
}
