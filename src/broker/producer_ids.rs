//! Producer ids for idempotent producers (`InitProducer`): handed out from blocks reserved
//! durably, so no two producers ever share one, across restarts and (in a cluster, where the
//! metadata quorum reserves the blocks) across brokers.

use std::ops::Range;

use super::{Broker, BrokerError};

/// Producer ids a broker reserves at a time: one reservation (a file write, or a Raft commit in
/// a cluster) per this many producers started.
pub const PRODUCER_ID_BLOCK_SIZE: u64 = 1000;

/// The ids of the block reserved last that are not yet handed out.
#[derive(Debug, Default)]
pub struct ProducerIdBlock(tokio::sync::Mutex<Range<i64>>);

impl Broker {
    /// Starts an idempotent producer's session: a new producer id in epoch 0, or, renewing
    /// `(id, epoch)`, the same id in the next epoch (a new id once the epoch would pass
    /// `i16::MAX`). A new epoch fences the old one in every partition it writes to.
    pub async fn init_producer(
        &self,
        renewing: Option<(i64, i16)>,
    ) -> Result<(i64, i16), BrokerError> {
        if let Some((producer_id, epoch)) = renewing
            && epoch < i16::MAX
        {
            return Ok((producer_id, epoch + 1));
        }
        let mut block = self.producer_ids.0.lock().await;
        if block.is_empty() {
            let first = self.reserve_producer_ids(PRODUCER_ID_BLOCK_SIZE).await?;
            *block = first..first + PRODUCER_ID_BLOCK_SIZE as i64;
        }
        let producer_id = block.start;
        block.start += 1;
        Ok((producer_id, 0))
    }

    /// A fresh block of producer ids: from the metadata quorum in a cluster, else from storage.
    async fn reserve_producer_ids(&self, count: u64) -> Result<i64, BrokerError> {
        if let Some(cluster) = self.cluster_topics.get() {
            let cluster = cluster.upgrade().ok_or(BrokerError::ShuttingDown)?;
            return cluster.reserve_producer_ids(count).await;
        }
        let storage = self.storage.clone();
        tokio::task::spawn_blocking(move || storage.reserve_producer_ids(count))
            .await
            .map_err(|e| BrokerError::Internal(format!("producer id task failed: {e}")))?
            .map_err(BrokerError::from)
    }
}
