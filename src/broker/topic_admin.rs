//! Topic administration as one trait with two implementations: the single broker changes its
//! own logs ([`Broker`]), a cluster broker proposes the change to the metadata quorum
//! (`cluster::replication::ReplicaManager`). The wire layers call the trait and never ask which
//! one they have, the pattern `OffsetStore` and `GroupPlacement` already follow.

use futures::future::BoxFuture;

use super::{Broker, BrokerError, TopicConfigUpdate};

/// Creates, grows and deletes topics, each check made once, where the change is made.
pub trait TopicAdmin: Send + Sync {
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
            Broker::create_partitions(self, name, total).await?;
            Ok(())
        })
    }

    fn delete_topic<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(Broker::delete_topic(self, name))
    }
}
