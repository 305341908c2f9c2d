//! Topic administration as one trait with two implementations: the single broker changes its
//! own logs ([`Broker`]), a cluster broker proposes the change to the metadata quorum
//! (`cluster::replication::Replication`). The wire layers call the trait and never ask which
//! one they have, the pattern `OffsetStore` and `GroupPlacement` already follow.

use futures::future::BoxFuture;

use super::{Broker, BrokerError, TopicConfigUpdate, TopicDescription};

/// A topic as the admin API shows it: the description (with per-partition details of the
/// partitions this broker holds) and the topic's partition count in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicView {
    pub description: TopicDescription,
    pub partition_count: u32,
}

impl TopicView {
    fn local(description: TopicDescription) -> TopicView {
        TopicView {
            partition_count: description.partitions.len() as u32,
            description,
        }
    }
}

/// Creates, describes, configures, grows and deletes topics, each check made once, where the
/// change is made.
pub trait TopicAdmin: Send + Sync {
    /// Every topic's name, sorted.
    fn topic_names(&self) -> Vec<String>;

    /// One topic as this broker can describe it.
    fn describe_topic(&self, name: &str) -> Result<TopicView, BrokerError>;

    /// Changes a topic's retention and segment settings.
    fn update_topic_config<'a>(
        &'a self,
        name: &'a str,
        update: TopicConfigUpdate,
    ) -> BoxFuture<'a, Result<(), BrokerError>>;

    /// Creates `name` with `partitions` (the broker's default when `None`) and
    /// `replication_factor` (the cluster's default when `None`); returns its partition count.
    fn create_topic<'a>(
        &'a self,
        name: &'a str,
        partitions: Option<u32>,
        replication_factor: Option<u32>,
        config: TopicConfigUpdate,
    ) -> BoxFuture<'a, Result<u32, BrokerError>>;

    /// Grows `name` to `total` partitions.
    fn create_partitions<'a>(
        &'a self,
        name: &'a str,
        total: u32,
    ) -> BoxFuture<'a, Result<(), BrokerError>>;

    /// Deletes `name` and its data.
    fn delete_topic<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), BrokerError>>;
}

impl TopicAdmin for Broker {
    fn topic_names(&self) -> Vec<String> {
        self.topics().iter().map(|t| t.name()).collect()
    }

    fn describe_topic(&self, name: &str) -> Result<TopicView, BrokerError> {
        super::check_topic_name(name)?;
        Ok(TopicView::local(self.topic(name)?.describe()))
    }

    fn update_topic_config<'a>(
        &'a self,
        name: &'a str,
        update: TopicConfigUpdate,
    ) -> BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            super::check_topic_name(name)?;
            Broker::update_topic_config(self, name, update).await?;
            Ok(())
        })
    }

    fn create_topic<'a>(
        &'a self,
        name: &'a str,
        partitions: Option<u32>,
        replication_factor: Option<u32>,
        config: TopicConfigUpdate,
    ) -> BoxFuture<'a, Result<u32, BrokerError>> {
        Box::pin(async move {
            if let Some(factor) = replication_factor.filter(|f| *f > 1) {
                return Err(BrokerError::InvalidArgument(format!(
                    "replication factor {factor} needs a cluster; a single broker keeps one copy"
                )));
            }
            let topic = Broker::create_topic(self, name, partitions, config).await?;
            Ok(topic.partition_count())
        })
    }

    fn create_partitions<'a>(
        &'a self,
        name: &'a str,
        total: u32,
    ) -> BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            super::check_topic_name(name)?;
            Broker::create_partitions(self, name, total).await?;
            Ok(())
        })
    }

    fn delete_topic<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(Broker::delete_topic(self, name))
    }
}
