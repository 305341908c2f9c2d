//! Produce: route every record to a partition and check limits before anything is stored,
//! then append one batch per partition.
//!
//! Routing and appending are separate steps so that several requests queued on one produce
//! stream can be appended together: while one append waits for its fsync, the next requests
//! pile up, and they then share a single batch and a single fsync (group commit for one
//! producer), in order.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;

use crate::storage::batch::{CheckedBatch, ProducerStamp};
use crate::storage::{MAX_RECORDS_PER_BATCH, Record};

use super::partition::AckWait;
use super::{Broker, BrokerError, Partition, ProduceRecord, RecordPosition, Topic, names};

/// The most payload a produce stream gathers into one append. A stream reads ahead only while
/// it gathers, so this bounds what one stream makes the broker hold (with 50 streams at full
/// speed, the batch limit of 16 MiB let the broker reach 2.7 GB); 1 MiB of 100-byte records is
/// still about 10,000 records per fsync.
pub const MAX_COALESCED_BYTES: usize = 1024 * 1024;

/// What a producer sends: records for the broker to route and encode, or batches it encoded
/// itself, one partition each (Kafka's way: the broker checks them and stores them as they are).
pub enum ProducePayload {
    /// Records, and when an idempotent producer sent them, its stamp for each partition's batch.
    Records(Vec<ProduceRecord>, Option<ProducerSequences>),
    /// (partition, one batch in the storage format; its base offset is ignored).
    Batches(Vec<(u32, Bytes)>),
}

/// An idempotent producer's session and, per partition its records go to, the sequence number
/// of the first of them there (each next record takes the next number). Every record names its
/// partition: the producer chose it, as it chose the sequence.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducerSequences {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequences: BTreeMap<u32, i32>,
}

impl ProducerSequences {
    /// The stamp of the batch for `partition`.
    fn stamp(&self, partition: u32) -> Result<ProducerStamp, BrokerError> {
        let base_sequence = *self.base_sequences.get(&partition).ok_or_else(|| {
            BrokerError::InvalidArgument(format!(
                "producer {} sent records for partition {partition} without a sequence for it",
                self.producer_id
            ))
        })?;
        if self.producer_id < 0 || self.producer_epoch < 0 || base_sequence < 0 {
            return Err(BrokerError::InvalidArgument(format!(
                "a producer id, epoch and sequence are 0 or more (got id {}, epoch {}, sequence {base_sequence})",
                self.producer_id, self.producer_epoch
            )));
        }
        Ok(ProducerStamp {
            producer_id: self.producer_id,
            producer_epoch: self.producer_epoch,
            base_sequence,
        })
    }
}

/// One request, routed, checked and encoded, not yet stored.
pub struct RoutedRequest {
    topic: Arc<Topic>,
    /// When the producer hears Ok.
    acks: Acks,
    /// The batches to append with their partitions, in request order.
    batches: Vec<(u32, CheckedBatch)>,
    /// For a request of records, per record in request order: its batch and offset delta.
    record_slots: Option<Vec<(usize, u32)>>,
    record_count: usize,
    payload_bytes: usize,
}

/// When a produce is acknowledged, in a cluster (a single broker acknowledges once the batch is
/// written by its fsync policy, either way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Acks {
    /// Once the batch is on every in-sync replica, and only while at least
    /// `--min-insync-replicas` are in sync (Kafka's `acks=all`).
    #[default]
    All,
    /// Once the leader has written it (Kafka's `acks=1`): faster, and lost if the leader dies
    /// before its followers copy it. Readers still see it only once it is on the ISR.
    Leader,
}

impl RoutedRequest {
    /// The request, acknowledged as `acks` says.
    pub fn with_acks(mut self, acks: Acks) -> RoutedRequest {
        self.acks = acks;
        self
    }

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

    /// Whether the producer sent encoded batches (rather than records).
    pub fn is_batches(&self) -> bool {
        self.record_slots.is_none()
    }

    /// Whether this request can share an append with `other`.
    pub fn same_topic(&self, other: &RoutedRequest) -> bool {
        Arc::ptr_eq(&self.topic, &other.topic)
    }
}

/// One partition's batches from several requests, with the (request, batch) each came from.
type MergedBatches = (Vec<(usize, usize)>, Vec<CheckedBatch>);

/// Where one appended batch landed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchPosition {
    pub partition: u32,
    pub base_offset: u64,
    pub record_count: u64,
}

/// Where one request's records landed.
#[derive(Debug, Clone, Default)]
pub struct Produced {
    /// Per batch of the request, in request order.
    pub batches: Vec<BatchPosition>,
    record_slots: Option<Vec<(usize, u32)>>,
}

impl Produced {
    /// Per record, in request order (for a request of batches: batch by batch).
    pub fn record_positions(&self) -> Vec<RecordPosition> {
        match &self.record_slots {
            Some(slots) => slots
                .iter()
                .map(|&(batch, delta)| RecordPosition {
                    partition: self.batches[batch].partition,
                    offset: self.batches[batch].base_offset + delta as u64,
                })
                .collect(),
            None => self
                .batches
                .iter()
                .flat_map(|b| {
                    (b.base_offset..b.base_offset + b.record_count).map(|offset| RecordPosition {
                        partition: b.partition,
                        offset,
                    })
                })
                .collect(),
        }
    }
}

impl Broker {
    /// Appends records, validating all of them before storing any. Records without a
    /// timestamp must have been given one by the caller. Returns each record's position, in
    /// request order.
    pub async fn produce(
        &self,
        topic: &str,
        records: Vec<ProduceRecord>,
    ) -> Result<Vec<RecordPosition>, BrokerError> {
        let routed = self
            .route(topic, ProducePayload::Records(records, None))
            .await?;
        let produced = self.append_routed(vec![routed]).await?;
        Ok(produced
            .first()
            .map(Produced::record_positions)
            .unwrap_or_default())
    }

    /// Routes and checks a request; a bad record or batch rejects the whole request before
    /// anything is stored. Records go to their explicit partition, else by key hash, else to
    /// one partition per request, and are encoded as one batch per partition.
    pub async fn route(
        &self,
        topic_name: &str,
        payload: ProducePayload,
    ) -> Result<RoutedRequest, BrokerError> {
        names::validate_name("topic", topic_name).map_err(BrokerError::InvalidArgument)?;
        let empty = match &payload {
            ProducePayload::Records(records, _) => records.is_empty(),
            ProducePayload::Batches(batches) => batches.is_empty(),
        };
        if empty {
            return Err(BrokerError::InvalidArgument(
                "a produce request must carry at least one record".into(),
            ));
        }
        let topic = self.topic_for_produce(topic_name).await?;
        match payload {
            ProducePayload::Records(records, producer) => {
                self.route_records(topic, records, producer.as_ref())
            }
            ProducePayload::Batches(batches) => self.check_batches(topic, batches),
        }
    }

    fn route_records(
        &self,
        topic: Arc<Topic>,
        records: Vec<ProduceRecord>,
        producer: Option<&ProducerSequences>,
    ) -> Result<RoutedRequest, BrokerError> {
        let partition_count = topic.partition_count();
        let spread = topic.spreader().next_partition(partition_count);
        let record_count = records.len();
        let mut payload_bytes = 0;
        // Per partition: the request indexes of its records and the records, in request order.
        let mut partitions: BTreeMap<u32, (Vec<usize>, Vec<Record>)> = BTreeMap::new();
        for (index, produce) in records.into_iter().enumerate() {
            let partition = match (produce.partition, &produce.record.key) {
                (Some(p), _) => check_partition(&topic, p)?,
                // Its sequence numbers count records per partition: the producer must say which.
                (None, _) if producer.is_some() => {
                    return Err(BrokerError::InvalidArgument(format!(
                        "record {index} has no partition: an idempotent producer names every record's partition"
                    )));
                }
                (None, Some(key)) => {
                    crate::protocol::partitioner::partition_for_key(key, partition_count)
                }
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
        let mut record_slots = vec![(0, 0); record_count];
        let mut batches = Vec::with_capacity(partitions.len());
        for (batch_index, (partition, (indexes, records))) in partitions.into_iter().enumerate() {
            for (delta, index) in indexes.into_iter().enumerate() {
                record_slots[index] = (batch_index, delta as u32);
            }
            let stamp = match producer {
                Some(producer) => producer.stamp(partition)?,
                None => ProducerStamp::NONE,
            };
            batches.push((partition, CheckedBatch::encode_stamped(stamp, &records)));
        }
        Ok(RoutedRequest {
            topic,
            acks: Acks::default(),
            batches,
            record_slots: Some(record_slots),
            record_count,
            payload_bytes,
        })
    }

    fn check_batches(
        &self,
        topic: Arc<Topic>,
        batches: Vec<(u32, Bytes)>,
    ) -> Result<RoutedRequest, BrokerError> {
        let mut checked = Vec::with_capacity(batches.len());
        for (partition, bytes) in batches {
            let partition = check_partition(&topic, partition)?;
            checked.push((partition, CheckedBatch::check(bytes, &self.config.limits)?));
        }
        Ok(RoutedRequest {
            topic,
            acks: Acks::default(),
            record_count: checked.iter().map(|(_, b)| b.record_count() as usize).sum(),
            payload_bytes: checked.iter().map(|(_, b)| b.payload_bytes()).sum(),
            batches: checked,
            record_slots: None,
        })
    }

    /// Whether `requests` may be appended together: one topic, within the batch limits and
    /// [`MAX_COALESCED_BYTES`].
    pub fn can_coalesce(&self, requests: &[RoutedRequest], next: &RoutedRequest) -> bool {
        let Some(first) = requests.first() else {
            return true;
        };
        let bytes: usize = requests.iter().map(|r| r.payload_bytes).sum();
        let records: usize = requests.iter().map(|r| r.record_count).sum();
        first.same_topic(next)
            && first.acks == next.acks
            && bytes + next.payload_bytes
                <= self.config.limits.max_batch_bytes.min(MAX_COALESCED_BYTES)
            && records + next.record_count <= MAX_RECORDS_PER_BATCH
    }

    /// Appends routed requests of one topic together, keeping their order: per partition, their
    /// batches go in one write (and one fsync). Returns where each request's records landed,
    /// once they are acknowledged (in a cluster: on every in-sync replica). Callers check
    /// [`Broker::can_coalesce`] first.
    pub async fn append_routed(
        &self,
        requests: Vec<RoutedRequest>,
    ) -> Result<Vec<Produced>, BrokerError> {
        let (produced, acks) = self.append_routed_unacked(requests).await?;
        acks.wait().await?;
        Ok(produced)
    }

    /// [`Broker::append_routed`] without waiting for the in-sync replicas: the positions are not
    /// acknowledged until the returned [`PendingAcks`] resolve.
    pub async fn append_routed_unacked(
        &self,
        requests: Vec<RoutedRequest>,
    ) -> Result<(Vec<Produced>, PendingAcks), BrokerError> {
        let Some((topic, acks)) = requests.first().map(|r| (r.topic.clone(), r.acks)) else {
            return Ok((Vec::new(), PendingAcks::default()));
        };
        let mut merged: BTreeMap<u32, MergedBatches> = BTreeMap::new();
        let mut produced = Vec::with_capacity(requests.len());
        for (request_index, request) in requests.into_iter().enumerate() {
            debug_assert!(Arc::ptr_eq(&topic, &request.topic));
            produced.push(Produced {
                batches: vec![BatchPosition::default(); request.batches.len()],
                record_slots: request.record_slots,
            });
            for (batch_index, (partition, batch)) in request.batches.into_iter().enumerate() {
                let entry = merged.entry(partition).or_default();
                entry.0.push((request_index, batch_index));
                entry.1.push(batch);
            }
        }
        let appends = merged.into_iter().map(|(partition, (origins, batches))| {
            let topic = topic.clone();
            async move {
                let counts: Vec<u64> = batches.iter().map(CheckedBatch::record_count).collect();
                let log = topic.partition(partition)?;
                let (placed, wait) =
                    log.append_batches_unacked(batches, acks)
                        .await
                        .map_err(|e| match e {
                            BrokerError::Storage(source) => BrokerError::PartitionWrite {
                                topic: topic.name(),
                                partition,
                                source,
                            },
                            other => other,
                        })?;
                Ok::<_, BrokerError>((partition, origins, counts, placed, wait.map(|w| (log, w))))
            }
        });
        let mut acks = PendingAcks::default();
        for (partition, origins, counts, placed, wait) in
            futures::future::try_join_all(appends).await?
        {
            for (((request, batch), record_count), at) in
                origins.into_iter().zip(counts).zip(placed)
            {
                produced[request].batches[batch] = BatchPosition {
                    partition,
                    base_offset: at.base_offset,
                    record_count,
                };
            }
            acks.0.extend(wait);
        }
        Ok((produced, acks))
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

/// `partition` if the topic has it.
fn check_partition(topic: &Topic, partition: u32) -> Result<u32, BrokerError> {
    let partitions = topic.partition_count();
    if partition >= partitions {
        return Err(BrokerError::PartitionNotFound {
            topic: topic.name(),
            partition,
            partitions,
        });
    }
    Ok(partition)
}
