//! The client's plain types and their conversions to and from the wire.

use bytes::Bytes;

use crate::protocol::batch::{self, BatchError};
use crate::protocol::record;
use crate::wire::v1 as pb;

/// A record header: a string key with a binary value (the record codec's own).
pub use crate::protocol::record::Header;

/// A record to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducerRecord {
    pub key: Option<Bytes>,
    pub value: Bytes,
    pub headers: Vec<Header>,
    /// Absent: the broker's clock.
    pub timestamp_ms: Option<i64>,
    /// Absent: by key hash, or spread when there is no key.
    pub partition: Option<u32>,
}

/// Where a produced record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducedPosition {
    pub partition: u32,
    pub offset: u64,
}

/// A record read from a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedRecord {
    pub partition: u32,
    pub offset: u64,
    pub timestamp_ms: i64,
    pub key: Option<Bytes>,
    pub value: Bytes,
    pub headers: Vec<Header>,
}

/// Where to start reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    At(u64),
    /// The first record at or after this time (ms since the Unix epoch).
    Timestamp(i64),
    Earliest,
    Latest,
}

/// What one fetch (or one subscription message) returned.
#[derive(Debug, Clone)]
pub struct FetchBatch {
    pub partition: u32,
    pub records: Vec<ConsumedRecord>,
    pub next_offset: u64,
    pub log_start_offset: u64,
    pub log_end_offset: u64,
}

/// A topic's retention and segment settings; `None` leaves a setting as it is (or default).
/// For retention, 0 means unbounded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopicSettings {
    pub retention_ms: Option<u64>,
    pub retention_bytes: Option<u64>,
    pub segment_bytes: Option<u64>,
    pub segment_ms: Option<u64>,
}

/// One partition's offsets and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionInfo {
    pub partition: u32,
    pub start_offset: u64,
    pub end_offset: u64,
    pub size_bytes: u64,
    /// For offset look-ups: the offset the position resolved to.
    pub resolved_offset: Option<u64>,
}

/// A topic as the broker describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: u32,
    pub settings: TopicSettings,
    pub partition_details: Vec<PartitionInfo>,
}

fn headers_to_wire(headers: Vec<Header>) -> Vec<pb::Header> {
    headers
        .into_iter()
        .map(|h| pb::Header {
            key: h.key,
            value: h.value,
        })
        .collect()
}

impl From<ProducerRecord> for pb::Record {
    fn from(r: ProducerRecord) -> Self {
        pb::Record {
            key: r.key,
            value: r.value,
            headers: headers_to_wire(r.headers),
            timestamp_ms: r.timestamp_ms,
            partition: r.partition,
        }
    }
}

impl From<pb::RecordPosition> for ProducedPosition {
    fn from(p: pb::RecordPosition) -> Self {
        ProducedPosition {
            partition: p.partition,
            offset: p.offset,
        }
    }
}

impl From<Offset> for pb::StartPosition {
    fn from(offset: Offset) -> Self {
        use pb::start_position::Position;
        let position = match offset {
            Offset::At(o) => Position::Offset(o),
            Offset::Timestamp(ts) => Position::TimestampMs(ts),
            Offset::Earliest => Position::Boundary(pb::LogBoundary::Earliest as i32),
            Offset::Latest => Position::Boundary(pb::LogBoundary::Latest as i32),
        };
        pb::StartPosition {
            position: Some(position),
        }
    }
}

/// A record read from `partition`, from its wire form.
pub fn consumed_from_wire(partition: u32, r: pb::StoredRecord) -> ConsumedRecord {
    ConsumedRecord {
        partition,
        offset: r.offset,
        timestamp_ms: r.timestamp_ms,
        key: r.key,
        value: r.value,
        headers: r
            .headers
            .into_iter()
            .map(|h| Header {
                key: h.key,
                value: h.value,
            })
            .collect(),
    }
}

/// What one fetch returned, decoding the stored batches it may carry (records before the read's
/// start, in its first batch, are skipped). A batch that does not decode is an error, never a
/// record.
pub fn fetch_batch_from_wire(response: pb::FetchResponse) -> Result<FetchBatch, BatchError> {
    let partition = response.partition;
    let mut records: Vec<ConsumedRecord> = response
        .records
        .into_iter()
        .map(|r| consumed_from_wire(partition, r))
        .collect();
    let mut stored = Vec::new();
    for bytes in response.batches {
        stored.clear();
        batch::decode_into(bytes, None, response.start_offset, &mut stored)?;
        records.extend(stored.drain(..).map(|s| ConsumedRecord {
            partition,
            offset: s.offset,
            timestamp_ms: s.record.timestamp_ms,
            key: s.record.key,
            value: s.record.value,
            headers: s.record.headers,
        }));
    }
    Ok(FetchBatch {
        partition,
        records,
        next_offset: response.next_offset,
        log_start_offset: response.log_start_offset,
        log_end_offset: response.log_end_offset,
    })
}

/// When a produce is acknowledged in a cluster (Kafka's `acks`); a single broker acknowledges
/// once the batch is written as its fsync policy says, either way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Acks {
    /// Once on every in-sync replica (`acks=all`), and only while enough are in sync.
    #[default]
    All,
    /// Once the partition leader has written it (`acks=1`): lost if the leader dies first.
    Leader,
}

impl From<Acks> for pb::Acks {
    fn from(acks: Acks) -> pb::Acks {
        match acks {
            Acks::All => pb::Acks::All,
            Acks::Leader => pb::Acks::Leader,
        }
    }
}

/// What an idempotent producer stamps one produce request with: its session and, per partition
/// the request writes to, the sequence number of its first record there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStamp {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequences: std::collections::BTreeMap<u32, i32>,
}

/// A produce request for `records`. Records that all name the same partition are sent as one
/// batch encoded here (the broker checks and stores it as it is, without re-encoding); others
/// go as records for the broker to route. Records without a timestamp get this machine's clock
/// in a batch, the broker's otherwise. With a `stamp` (an idempotent producer, whose records
/// all name their partitions), the batch carries it in its header, or the records beside them.
pub fn produce_request(
    topic: &str,
    records: Vec<ProducerRecord>,
    acks: Acks,
    stamp: Option<&RequestStamp>,
) -> pb::ProduceRequest {
    let partition = records.first().and_then(|r| r.partition);
    let one_partition = partition.is_some() && records.iter().all(|r| r.partition == partition);
    let Some(partition) = partition.filter(|_| one_partition) else {
        return pb::ProduceRequest {
            topic: topic.to_string(),
            records: records.into_iter().map(Into::into).collect(),
            batches: Vec::new(),
            acks: pb::Acks::from(acks).into(),
            producer: stamp.map(|s| pb::ProducerSession {
                producer_id: s.producer_id,
                producer_epoch: s.producer_epoch as i32,
            }),
            sequences: stamp.map_or(Vec::new(), |s| {
                s.base_sequences
                    .iter()
                    .map(|(&partition, &base_sequence)| pb::PartitionSequence {
                        partition,
                        base_sequence,
                    })
                    .collect()
            }),
        };
    };
    let producer = stamp.map_or(batch::ProducerStamp::NONE, |s| batch::ProducerStamp {
        producer_id: s.producer_id,
        producer_epoch: s.producer_epoch,
        base_sequence: s.base_sequences.get(&partition).copied().unwrap_or(0),
    });
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64);
    let records: Vec<record::Record> = records
        .into_iter()
        .map(|r| record::Record {
            timestamp_ms: r.timestamp_ms.unwrap_or(now_ms),
            key: r.key,
            value: r.value,
            headers: r.headers,
        })
        .collect();
    pb::ProduceRequest {
        topic: topic.to_string(),
        records: Vec::new(),
        batches: vec![pb::PartitionBatch {
            partition,
            batch: batch::StoredBatch::encode_stamped(0, producer, &records).bytes,
        }],
        acks: pb::Acks::from(acks).into(),
        producer: None,
        sequences: Vec::new(),
    }
}

/// Each produced record's position, in request order, from either form of answer.
pub fn positions_from_wire(response: pb::ProduceResponse) -> Vec<ProducedPosition> {
    let mut positions: Vec<ProducedPosition> =
        response.positions.into_iter().map(Into::into).collect();
    for b in response.batches {
        positions.extend(
            (b.base_offset..b.base_offset + b.record_count as u64).map(|offset| ProducedPosition {
                partition: b.partition,
                offset,
            }),
        );
    }
    positions
}

impl From<TopicSettings> for pb::TopicConfig {
    fn from(s: TopicSettings) -> Self {
        pb::TopicConfig {
            retention_ms: s.retention_ms,
            retention_bytes: s.retention_bytes,
            segment_bytes: s.segment_bytes,
            segment_ms: s.segment_ms,
        }
    }
}

impl From<pb::TopicDescription> for TopicInfo {
    fn from(t: pb::TopicDescription) -> Self {
        let config = t.config.unwrap_or_default();
        TopicInfo {
            name: t.name,
            partitions: t.partitions,
            settings: TopicSettings {
                retention_ms: config.retention_ms,
                retention_bytes: config.retention_bytes,
                segment_bytes: config.segment_bytes,
                segment_ms: config.segment_ms,
            },
            partition_details: t
                .partition_details
                .into_iter()
                .map(|p| PartitionInfo {
                    partition: p.partition,
                    start_offset: p.start_offset,
                    end_offset: p.end_offset,
                    size_bytes: p.size_bytes,
                    resolved_offset: None,
                })
                .collect(),
        }
    }
}
