//! The Produce service: unary batches and an ordered, pipelined stream for bulk loads.

use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use futures::FutureExt;
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::broker::acl::{Principal, Right};
use crate::broker::produce::{
    Acks, PendingAcks, ProducePayload, Produced, ProducerSequences, RoutedRequest,
};
use crate::broker::{self, Broker, ProduceRecord};
use crate::storage::Record;
use crate::wire::v1 as pb;
use crate::wire::v1::produce_server::Produce;

use super::auth::{self, authorize};
use super::metrics::Metrics;
use super::status::invalid;

/// Produce responses not yet taken by a streaming client; beyond this the stream stops reading
/// requests, so a client that does not read its acks cannot make the broker buffer them.
const STREAM_PENDING_RESPONSES: usize = 16;

pub struct ProduceService {
    broker: Arc<Broker>,
    metrics: Arc<Metrics>,
}

impl ProduceService {
    pub fn new(broker: Arc<Broker>, metrics: Arc<Metrics>) -> Self {
        ProduceService { broker, metrics }
    }
}

/// Turns a wire request into what the broker routes: records (those without a timestamp get the
/// broker's clock) or producer-encoded batches.
fn payload_from_wire(request: pb::ProduceRequest) -> Result<ProducePayload, Status> {
    let producer = match request.producer {
        None if !request.sequences.is_empty() => {
            return Err(invalid("sequences without a producer session"));
        }
        None => None,
        Some(session) => {
            let (producer_id, producer_epoch) = session_from_wire(&session)?;
            Some(ProducerSequences {
                producer_id,
                producer_epoch,
                base_sequences: request
                    .sequences
                    .iter()
                    .map(|s| (s.partition, s.base_sequence))
                    .collect(),
            })
        }
    };
    match (request.records.is_empty(), request.batches.is_empty()) {
        (false, false) => Err(invalid(
            "a produce request carries records or batches, not both",
        )),
        (true, false) => Ok(ProducePayload::Batches(
            request
                .batches
                .into_iter()
                .map(|b| (b.partition, b.batch))
                .collect(),
        )),
        _ => Ok(ProducePayload::Records(
            records_from_wire(request.records),
            producer,
        )),
    }
}

/// A producer session from the wire: an id and an epoch of 0 or more.
fn session_from_wire(session: &pb::ProducerSession) -> Result<(i64, i16), Status> {
    let epoch = i16::try_from(session.producer_epoch)
        .ok()
        .filter(|e| *e >= 0 && session.producer_id >= 0)
        .ok_or_else(|| {
            invalid(format!(
                "producer id {} epoch {}: an id of 0 or more and an epoch in 0..=32767",
                session.producer_id, session.producer_epoch
            ))
        })?;
    Ok((session.producer_id, epoch))
}

/// The request's acks; an unknown value is taken as the safest, `acks=all`.
fn acks_from_wire(acks: i32) -> Acks {
    match pb::Acks::try_from(acks) {
        Ok(pb::Acks::Leader) => Acks::Leader,
        _ => Acks::All,
    }
}

fn records_from_wire(records: Vec<pb::Record>) -> Vec<ProduceRecord> {
    let now_ms = broker::now_ms();
    records
        .into_iter()
        .map(|r| ProduceRecord {
            partition: r.partition,
            record: Record {
                timestamp_ms: r.timestamp_ms.unwrap_or(now_ms),
                key: r.key,
                value: r.value,
                headers: r.headers.into_iter().map(Into::into).collect(),
            },
        })
        .collect()
}

async fn produce(
    broker: &Broker,
    metrics: &Metrics,
    request: pb::ProduceRequest,
) -> Result<pb::ProduceResponse, Status> {
    let topic = request.topic.clone();
    let acks = acks_from_wire(request.acks);
    let routed = broker
        .route(&topic, payload_from_wire(request)?)
        .await?
        .with_acks(acks);
    let (count, bytes, by_batch) = (
        routed.record_count(),
        routed.payload_bytes(),
        routed.is_batches(),
    );
    let started = Instant::now();
    let produced = broker.append_routed(vec![routed]).await?;
    metrics.observe_append(started.elapsed());
    metrics.record_in(&topic, count, bytes);
    Ok(response(produced.first(), by_batch))
}

/// The wire answer to one request: per batch if it sent batches, else per record.
fn response(produced: Option<&Produced>, by_batch: bool) -> pb::ProduceResponse {
    let Some(produced) = produced else {
        return pb::ProduceResponse::default();
    };
    if by_batch {
        return pb::ProduceResponse {
            positions: Vec::new(),
            batches: produced
                .batches
                .iter()
                .map(|b| pb::BatchPosition {
                    partition: b.partition,
                    base_offset: b.base_offset,
                    record_count: b.record_count as u32,
                })
                .collect(),
        };
    }
    pb::ProduceResponse {
        positions: produced
            .record_positions()
            .into_iter()
            .map(|p| pb::RecordPosition {
                partition: p.partition,
                offset: p.offset,
            })
            .collect(),
        batches: Vec::new(),
    }
}

/// Groups appended but not yet acknowledged that a stream may have; beyond this it stops
/// appending until the oldest is acknowledged.
const STREAM_UNACKED_GROUPS: usize = 8;

/// One appended group on its way to its responses, or the failure that ends the stream.
/// Each request's positions come with whether it sent batches (how it is answered).
type Appended = Result<(Vec<(Produced, bool)>, PendingAcks), Status>;

/// Appends a produce stream's requests in order. Requests that queued up while the previous
/// append was waiting for its fsync are appended together (one batch, one fsync), and each
/// still gets its own response, in order. In a cluster, a group's wait for the in-sync
/// replicas overlaps the next group's append: responses still go out in order, each once its
/// records are acknowledged. The first failure ends the stream with its status; groups
/// appended after the failing one are never acknowledged.
async fn append_stream(
    broker: Arc<Broker>,
    metrics: Arc<Metrics>,
    principal: Option<Principal>,
    mut requests: Streaming<pb::ProduceRequest>,
    responses: tokio::sync::mpsc::Sender<Result<pb::ProduceResponse, Status>>,
) {
    let (appended, mut to_acknowledge) =
        tokio::sync::mpsc::channel::<Appended>(STREAM_UNACKED_GROUPS);
    tokio::spawn(async move {
        while let Some(group) = to_acknowledge.recv().await {
            let acknowledged = match group {
                Ok((positions, acks)) => {
                    acks.wait().await.map(|()| positions).map_err(Status::from)
                }
                Err(status) => Err(status),
            };
            match acknowledged {
                Ok(answers) => {
                    for (produced, by_batch) in answers {
                        let response = response(Some(&produced), by_batch);
                        if responses.send(Ok(response)).await.is_err() {
                            return;
                        }
                    }
                }
                Err(status) => {
                    let _ = responses.send(Err(status)).await;
                    return;
                }
            }
        }
    });
    // A request routed but left for the next group (another topic, or over the batch limits).
    let mut carried: Option<RoutedRequest> = None;
    loop {
        let mut group = Vec::new();
        let mut failure: Option<Status> = None;
        let mut ended = false;
        match carried.take() {
            Some(routed) => group.push(routed),
            None => match requests.next().await {
                Some(Ok(request)) => match route(&broker, principal.as_ref(), request).await {
                    Ok(routed) => group.push(routed),
                    Err(status) => failure = Some(status),
                },
                Some(Err(status)) => failure = Some(status),
                None => return,
            },
        }
        // Take the requests that have already arrived, without waiting for more.
        while failure.is_none() && carried.is_none() && !ended {
            match requests.next().now_or_never() {
                Some(Some(Ok(request))) => {
                    match route(&broker, principal.as_ref(), request).await {
                        Ok(routed) if broker.can_coalesce(&group, &routed) => group.push(routed),
                        Ok(routed) => carried = Some(routed),
                        Err(status) => failure = Some(status),
                    }
                }
                Some(Some(Err(status))) => failure = Some(status),
                Some(None) => ended = true,
                None => break,
            }
        }
        // An earlier group failed its acknowledgement: the stream is over.
        if appended.is_closed() {
            return;
        }
        let counts: Vec<(String, usize, usize, bool)> = group
            .iter()
            .map(|r| {
                (
                    r.topic_name(),
                    r.record_count(),
                    r.payload_bytes(),
                    r.is_batches(),
                )
            })
            .collect();
        let started = Instant::now();
        if !group.is_empty() {
            match broker.append_routed_unacked(group).await {
                Ok((produced, acks)) => {
                    metrics.observe_append(started.elapsed());
                    for (topic, records, bytes, _) in &counts {
                        metrics.record_in(topic, *records, *bytes);
                    }
                    let answers: Vec<(Produced, bool)> = produced
                        .into_iter()
                        .zip(counts.iter().map(|c| c.3))
                        .collect();
                    if appended.send(Ok((answers, acks))).await.is_err() {
                        return;
                    }
                }
                Err(e) => failure = Some(e.into()),
            }
        }
        if let Some(status) = failure {
            let _ = appended.send(Err(status)).await;
            return;
        }
        if ended {
            return;
        }
    }
}

async fn route(
    broker: &Broker,
    principal: Option<&Principal>,
    request: pb::ProduceRequest,
) -> Result<RoutedRequest, Status> {
    auth::check(principal, Right::Produce, &request.topic)?;
    let topic = request.topic.clone();
    let acks = acks_from_wire(request.acks);
    Ok(broker
        .route(&topic, payload_from_wire(request)?)
        .await?
        .with_acks(acks))
}

type ResponseStream = Pin<Box<dyn Stream<Item = Result<pb::ProduceResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Produce for ProduceService {
    async fn produce(
        &self,
        request: Request<pb::ProduceRequest>,
    ) -> Result<Response<pb::ProduceResponse>, Status> {
        authorize(&request, Right::Produce, &request.get_ref().topic)?;
        Ok(Response::new(
            produce(&self.broker, &self.metrics, request.into_inner()).await?,
        ))
    }

    async fn init_producer(
        &self,
        request: Request<pb::InitProducerRequest>,
    ) -> Result<Response<pb::InitProducerResponse>, Status> {
        let renewing = match &request.get_ref().session {
            Some(session) => Some(session_from_wire(session)?),
            None => None,
        };
        let (producer_id, producer_epoch) = self.broker.init_producer(renewing).await?;
        Ok(Response::new(pb::InitProducerResponse {
            session: Some(pb::ProducerSession {
                producer_id,
                producer_epoch: producer_epoch as i32,
            }),
        }))
    }

    type ProduceStreamStream = ResponseStream;

    async fn produce_stream(
        &self,
        request: Request<Streaming<pb::ProduceRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        // Each request on the stream names its own topic: the caller's rights are checked per request.
        let principal = auth::principal(&request);
        let requests = request.into_inner();
        let broker = self.broker.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(STREAM_PENDING_RESPONSES);
        tokio::spawn(append_stream(
            broker,
            self.metrics.clone(),
            principal,
            requests,
            tx,
        ));
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }
}
