//! Produce: route every record to a partition and check limits before anything is stored,
//! then append one batch per partition.
//!
//! Routing and appending are separate steps so that several requests queued on one produce
//! stream can be appended together: while one append waits for its fsync, the next requests
//! pile up, and they then share a single batch and a single fsync (group commit for one
//! producer), in order.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::storage::{MAX_RECORDS_PER_BATCH, Record};

use super::partition::AckWait;
use super::{
    Broker, BrokerError, Partition, ProduceRecord, RecordPosition, Topic, names, partitioner,
};

/// One request's records, routed and checked, not yet stored.
pub struct RoutedRequest {
    topic: Arc<Topic>,
    /// Per partition: the request indexes of its records and the records, in request order.
    partitions: BTreeMap<u32, (Vec<usize>, Vec<Record>)>,
    record_count: usize,
    payload_bytes: usize,
}

impl RoutedRequest {
    /// The name of the topic the records go to.
    pub fn topic_name(&self) -> String {
        self.topic.name()
    }

    pub fn record_count(&self) -> usize {
        self.record_count
    }

    pub fn payload_bytes(&self) -> usize {
        self.payload_bytes
    }

    /// Whether this request can share an append with `other`.
    pub fn same_topic(&self, other: &RoutedRequest) -> bool {
        Arc::ptr_eq(&self.topic, &other.topic)
    }
}

/// One partition's records from several requests, with the (request, index) each came from.
type MergedBatch = (Vec<(usize, usize)>, Vec<Record>);

impl Broker {
    /// Appends records, validating all of them before storing any. Records without a
    /// timestamp must have been given one by the caller. Returns each record's position, in
    /// request order.
    pub async fn produce(
        &self,
        topic: &str,
        records: Vec<ProduceRecord>,
    ) -> Result<Vec<RecordPosition>, BrokerError> {
        let routed = self.route(topic, records).await?;
        let mut positions = self.append_routed(vec![routed]).await?;
        Ok(positions.pop().unwrap_or_default())
    }

    /// Routes every record (explicit partition, else key hash, else one partition per request)
    /// and checks the limits; a bad record rejects the whole request before anything is stored.
    pub async fn route(
        &self,
        topic_name: &str,
        records: Vec<ProduceRecord>,
    ) -> Result<RoutedRequest, BrokerError> {
        names::validate_name("topic", topic_name).map_err(BrokerError::InvalidArgument)?;
        if records.is_empty() {
            return Err(BrokerError::InvalidArgument(
                "a produce request must carry at least one record".into(),
            ));
        }
        let topic = self.topic_for_produce(topic_name).await?;
        let partition_count = topic.partition_count();
        let spread = topic.spreader().next_partition(partition_count);
        let record_count = records.len();
        let mut payload_bytes = 0;
        let mut partitions: BTreeMap<u32, (Vec<usize>, Vec<Record>)> = BTreeMap::new();
        for (index, produce) in records.into_iter().enumerate() {
            let partition = match (produce.partition, &produce.record.key) {
                (Some(p), _) if p >= partition_count => {
                    return Err(BrokerError::PartitionNotFound {
                        topic: topic_name.to_string(),
                        partition: p,
                        partitions: partition_count,
                    });
                }
                (Some(p), _) => p,
                (None, Some(key)) => partitioner::partition_for_key(key, partition_count),
                (None, None) => spread,
            };
            payload_bytes += produce.record.payload_bytes();
            let entry = partitions.entry(partition).or_default();
            entry.0.push(index);
            entry.1.push(produce.record);
        }
        for (_, records) in partitions.values() {
            self.config.limits.check(records)?;
        }
        Ok(RoutedRequest {
            topic,
            partitions,
            record_count,
            payload_bytes,
        })
    }

    /// Whether `requests` may be appended together: one topic, within the batch limits.
    pub fn can_coalesce(&self, requests: &[RoutedRequest], next: &RoutedRequest) -> bool {
        let Some(first) = requests.first() else {
            return true;
        };
        let bytes: usize = requests.iter().map(|r| r.payload_bytes).sum();
        let records: usize = requests.iter().map(|r| r.record_count).sum();
        first.same_topic(next)
            && bytes + next.payload_bytes <= self.config.limits.max_batch_bytes
            && records + next.record_count <= MAX_RECORDS_PER_BATCH
    }

    /// Appends routed requests of one topic together, one batch per partition, keeping their
    /// order; returns each request's positions once they are acknowledged (in a cluster: on
    /// every in-sync replica). Callers check [`Broker::can_coalesce`] first.
    pub async fn append_routed(
        &self,
        requests: Vec<RoutedRequest>,
    ) -> Result<Vec<Vec<RecordPosition>>, BrokerError> {
        let (positions, acks) = self.append_routed_unacked(requests).await?;
        acks.wait().await?;
        Ok(positions)
    }

    /// [`Broker::append_routed`] without waiting for the in-sync replicas: the positions are not
    /// acknowledged until the returned [`PendingAcks`] resolve.
    pub async fn append_routed_unacked(
        &self,
        requests: Vec<RoutedRequest>,
    ) -> Result<(Vec<Vec<RecordPosition>>, PendingAcks), BrokerError> {
        let Some(topic) = requests.first().map(|r| r.topic.clone()) else {
            return Ok((Vec::new(), PendingAcks::default()));
        };
        let mut merged: BTreeMap<u32, MergedBatch> = BTreeMap::new();
        let mut positions: Vec<Vec<RecordPosition>> = Vec::with_capacity(requests.len());
        for (request_index, request) in requests.into_iter().enumerate() {
            debug_assert!(Arc::ptr_eq(&topic, &request.topic));
            positions.push(vec![
                RecordPosition {
                    partition: 0,
                    offset: 0,
                };
                request.record_count
            ]);
            for (partition, (indexes, records)) in request.partitions {
                let entry = merged.entry(partition).or_default();
                entry
                    .0
                    .extend(indexes.into_iter().map(|index| (request_index, index)));
                entry.1.extend(records);
            }
        }
        let appends = merged.into_iter().map(|(partition, (origins, records))| {
            let topic = topic.clone();
            async move {
                let log = topic.partition(partition)?;
                let (outcome, wait) = log.append_unacked(records).await?;
                Ok::<_, BrokerError>((
                    partition,
                    origins,
                    outcome.base_offset,
                    wait.map(|w| (log, w)),
                ))
            }
        });
        let mut acks = PendingAcks::default();
        for (partition, origins, base_offset, wait) in
            futures::future::try_join_all(appends).await?
        {
            for ((request, index), offset) in origins.into_iter().zip(base_offset..) {
                positions[request][index] = RecordPosition { partition, offset };
            }
            acks.0.extend(wait);
        }
        Ok((positions, acks))
    }
}

/// Appended batches still to reach their partitions' in-sync replicas; empty outside a cluster.
#[derive(Default)]
#[must_use = "appended records are acknowledged only once these resolve"]
pub struct PendingAcks(Vec<(Arc<Partition>, AckWait)>);

impl PendingAcks {
    /// Waits until every batch is on its in-sync replicas; UNAVAILABLE when one is not in time.
    pub async fn wait(self) -> Result<(), BrokerError> {
        for (partition, wait) in self.0 {
            partition.wait_acked(wait).await?;
        }
        Ok(())
    }
}
