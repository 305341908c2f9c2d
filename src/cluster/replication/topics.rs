//! Topic changes through the metadata quorum: the cluster's [`TopicAdmin`] and
//! [`ClusterTopics`].

use std::time::Duration;

use crate::broker::topic_admin::{TopicAdmin, TopicView};
use crate::broker::{BrokerError, ClusterTopics, TopicConfigUpdate};
use crate::storage::LogConfig;

use crate::cluster::ClusterError;
use crate::cluster::state::{MetaCommand, MetaResponse, TopicRecord};

use super::*;

impl Replication {
    /// Every topic of the cluster, by name.
    pub fn topic_names(&self) -> Vec<String> {
        self.node
            .view()
            .with(|s| s.topics.keys().cloned().collect())
    }

    /// A topic as the metadata applied here knows it.
    pub fn topic_record(&self, name: &str) -> Option<TopicRecord> {
        self.node.view().with(|s| s.topics.get(name).cloned())
    }

    /// Creates a topic through the controller, then waits until this broker holds it (when it
    /// is one of its replicas).
    pub async fn create_topic(
        &self,
        name: &str,
        partitions: u32,
        replication_factor: Option<u32>,
        config: LogConfig,
    ) -> Result<(), ClusterError> {
        let live = self
            .node
            .view()
            .with(|s| s.brokers.values().filter(|b| !b.fenced).count() as u32);
        let replication_factor = replication_factor
            .unwrap_or_else(|| self.config.default_replication_factor.min(live.max(1)));
        let command = MetaCommand::CreateTopic {
            name: name.to_string(),
            partitions,
            replication_factor,
            config,
        };
        let me = self.node.id();
        self.propose_topic_change(command, || {
            let hosted = self
                .broker
                .topic(name)
                .is_ok_and(|t| t.partition_count() >= partitions);
            let replica_here = self.node.view().with(|s| {
                s.topics
                    .get(name)
                    .map(|t| t.partitions.iter().any(|p| p.replicas.contains(&me)))
            });
            hosted || replica_here == Some(false)
        })
        .await
    }

    /// Changes a topic's settings through the controller, then waits until this broker's copy
    /// (if it holds one) has them.
    pub async fn update_topic_config(
        &self,
        name: &str,
        config: LogConfig,
    ) -> Result<(), ClusterError> {
        let command = MetaCommand::UpdateTopicConfig {
            name: name.to_string(),
            config,
        };
        self.propose_topic_change(command, || {
            self.broker
                .topic(name)
                .map_or(true, |t| t.config() == config)
        })
        .await
    }

    /// Grows a topic to `total` partitions through the controller, then waits until this
    /// broker's copy (if it holds one) has them.
    pub async fn create_partitions(&self, name: &str, total: u32) -> Result<(), ClusterError> {
        let command = MetaCommand::CreatePartitions {
            name: name.to_string(),
            total,
        };
        self.propose_topic_change(command, || {
            self.broker
                .topic(name)
                .map_or(true, |t| t.partition_count() >= total)
        })
        .await
    }

    /// Deletes a topic through the controller; every replica deletes its copy when it applies
    /// the deletion. Waits until this broker's copy is gone.
    pub async fn delete_topic(&self, name: &str) -> Result<(), ClusterError> {
        let command = MetaCommand::DeleteTopic {
            name: name.to_string(),
        };
        self.propose_topic_change(command, || self.broker.topic(name).is_err())
            .await
    }

    /// Proposes a topic change, then waits until `applied_here` says this broker's copy shows
    /// it (the reconcile loop applies it right after the metadata changes), for at most
    /// [`TOPIC_CHANGE_WAIT_MS`]: a slow local apply does not fail a change the cluster made.
    async fn propose_topic_change(
        &self,
        command: MetaCommand,
        applied_here: impl Fn() -> bool,
    ) -> Result<(), ClusterError> {
        let timeout = Duration::from_millis(crate::cluster::node::PROPOSE_TIMEOUT_MS);
        if let MetaResponse::Rejected(reason) = self.node.propose(command, timeout).await? {
            return Err(ClusterError::Rejected(reason));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_millis(TOPIC_CHANGE_WAIT_MS);
        while !applied_here() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }
}

/// An update that sets every setting to `config`'s.
pub(super) fn replacing(config: LogConfig) -> TopicConfigUpdate {
    TopicConfigUpdate {
        retention_ms: Some(config.retention_ms.unwrap_or(0)),
        retention_bytes: Some(config.retention_bytes.unwrap_or(0)),
        segment_bytes: Some(config.segment_bytes),
        segment_ms: Some(config.segment_ms),
    }
}

/// A cluster's answer to a topic change as the engine's error: the metadata's refusals keep
/// their meaning (an existing topic, a bad count), the rest is UNAVAILABLE.
fn topic_change_error(name: &str, error: ClusterError) -> BrokerError {
    match error {
        ClusterError::Rejected(reason) if reason.contains("already exists") => {
            BrokerError::TopicExists(name.to_string())
        }
        ClusterError::Rejected(reason) if reason.contains("does not exist") => {
            BrokerError::TopicNotFound(name.to_string())
        }
        ClusterError::Rejected(reason) => BrokerError::InvalidArgument(reason),
        other => BrokerError::Unavailable(other.to_string()),
    }
}

/// Topic administration through the metadata quorum.
impl TopicAdmin for Replication {
    fn topic_names(&self) -> Vec<String> {
        Replication::topic_names(self)
    }

    /// This broker's own copy when it holds one, else the metadata's partition count and
    /// settings without per-partition details.
    fn describe_topic(&self, name: &str) -> Result<TopicView, BrokerError> {
        crate::broker::check_topic_name(name)?;
        let record = self
            .topic_record(name)
            .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))?;
        let partition_count = record.partitions.len() as u32;
        let description = match self.broker.topic(name) {
            Ok(topic) => topic.describe(),
            Err(_) => crate::broker::TopicDescription {
                name: record.name,
                config: record.config,
                partitions: Vec::new(),
            },
        };
        Ok(TopicView {
            description,
            partition_count,
        })
    }

    /// From the metadata's settings, so every replica ends with the same ones.
    fn update_topic_config<'a>(
        &'a self,
        name: &'a str,
        update: TopicConfigUpdate,
    ) -> futures::future::BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            crate::broker::check_topic_name(name)?;
            let current = self
                .topic_record(name)
                .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))?;
            let config = update.apply_to(current.config)?;
            Replication::update_topic_config(self, name, config)
                .await
                .map_err(|e| topic_change_error(name, e))
        })
    }

    fn create_topic<'a>(
        &'a self,
        name: &'a str,
        partitions: Option<u32>,
        replication_factor: Option<u32>,
        config: TopicConfigUpdate,
    ) -> futures::future::BoxFuture<'a, Result<u32, BrokerError>> {
        Box::pin(async move {
            crate::broker::check_topic_name(name)?;
            let defaults = self.broker.config();
            let partitions = partitions.unwrap_or(defaults.default_partitions);
            crate::broker::check_partition_count(partitions)?;
            let config = config.apply_to(defaults.default_log_config)?;
            Replication::create_topic(self, name, partitions, replication_factor, config)
                .await
                .map_err(|e| topic_change_error(name, e))?;
            Ok(partitions)
        })
    }

    fn create_partitions<'a>(
        &'a self,
        name: &'a str,
        total: u32,
    ) -> futures::future::BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            crate::broker::check_topic_name(name)?;
            let current = self
                .topic_record(name)
                .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))?
                .partitions
                .len() as u32;
            if total <= current || total > crate::broker::MAX_PARTITIONS_PER_TOPIC {
                return Err(BrokerError::InvalidArgument(format!(
                    "topic {name:?} has {current} partitions; the new count must be larger (at most {}), got {total}",
                    crate::broker::MAX_PARTITIONS_PER_TOPIC
                )));
            }
            Replication::create_partitions(self, name, total)
                .await
                .map_err(|e| topic_change_error(name, e))
        })
    }

    fn delete_topic<'a>(
        &'a self,
        name: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            crate::broker::check_topic_name(name)?;
            if self.topic_record(name).is_none() {
                return Err(BrokerError::TopicNotFound(name.to_string()));
            }
            Replication::delete_topic(self, name)
                .await
                .map_err(|e| topic_change_error(name, e))
        })
    }
}

impl ClusterTopics for Replication {
    fn ensure_for_produce<'a>(
        &'a self,
        name: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            if self.topic_record(name).is_none() {
                if !self.config.auto_create_topics {
                    return Err(BrokerError::TopicNotFound(name.to_string()));
                }
                crate::broker::names::validate_name("topic", name)
                    .map_err(BrokerError::InvalidArgument)?;
                let defaults = self.broker.config();
                let created = self
                    .create_topic(
                        name,
                        defaults.default_partitions,
                        None,
                        defaults.default_log_config,
                    )
                    .await;
                match created {
                    Ok(()) => tracing::info!(topic = name, "created topic on first produce"),
                    Err(ClusterError::Rejected(reason)) if reason.contains("already exists") => {}
                    Err(ClusterError::Rejected(reason)) => {
                        return Err(BrokerError::InvalidArgument(reason));
                    }
                    Err(e) => return Err(BrokerError::Unavailable(e.to_string())),
                }
            }
            if self.broker.topic(name).is_ok() {
                return Ok(());
            }
            // The topic lives on other brokers: send the client to partition 0's leader, and it
            // refreshes its metadata from there.
            let leader = self
                .node
                .view()
                .with(|s| s.assignment(name, 0).and_then(|a| a.leader));
            Err(BrokerError::NotLeader {
                partition: 0,
                leader,
            })
        })
    }

    fn reserve_producer_ids(
        &self,
        count: u64,
    ) -> futures::future::BoxFuture<'_, Result<i64, BrokerError>> {
        Box::pin(async move {
            let command = MetaCommand::ReserveProducerIds { count };
            let timeout = Duration::from_millis(crate::cluster::node::PROPOSE_TIMEOUT_MS);
            match self.node.propose(command, timeout).await {
                Ok(MetaResponse::ProducerIds { first }) => Ok(first),
                Ok(other) => Err(BrokerError::Internal(format!(
                    "reserving producer ids was answered {other:?}"
                ))),
                Err(e) => Err(BrokerError::Unavailable(e.to_string())),
            }
        })
    }
}
