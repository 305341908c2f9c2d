//! The Produce service: unary batches and an ordered, pipelined stream for bulk loads.

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::broker::{self, Broker, ProduceRecord};
use crate::storage::{Header, Record};
use crate::wire::v1 as pb;
use crate::wire::v1::produce_server::Produce;

/// Produce responses not yet taken by a streaming client; beyond this the stream stops reading
/// requests, so a client that does not read its acks cannot make the broker buffer them.
const STREAM_PENDING_RESPONSES: usize = 16;

pub struct ProduceService {
    broker: Arc<Broker>,
}

impl ProduceService {
    pub fn new(broker: Arc<Broker>) -> Self {
        ProduceService { broker }
    }
}

/// Turns wire records into engine records; records without a timestamp get the broker's clock.
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
                headers: r
                    .headers
                    .into_iter()
                    .map(|h| Header {
                        key: h.key,
                        value: h.value,
                    })
                    .collect(),
            },
        })
        .collect()
}

async fn produce(
    broker: &Broker,
    request: pb::ProduceRequest,
) -> Result<pb::ProduceResponse, Status> {
    let positions = broker
        .produce(&request.topic, records_from_wire(request.records))
        .await?;
    Ok(pb::ProduceResponse {
        positions: positions
            .into_iter()
            .map(|p| pb::RecordPosition {
                partition: p.partition,
                offset: p.offset,
            })
            .collect(),
    })
}

type ResponseStream = Pin<Box<dyn Stream<Item = Result<pb::ProduceResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Produce for ProduceService {
    async fn produce(
        &self,
        request: Request<pb::ProduceRequest>,
    ) -> Result<Response<pb::ProduceResponse>, Status> {
        Ok(Response::new(
            produce(&self.broker, request.into_inner()).await?,
        ))
    }

    type ProduceStreamStream = ResponseStream;

    async fn produce_stream(
        &self,
        request: Request<Streaming<pb::ProduceRequest>>,
    ) -> Result<Response<ResponseStream>, Status> {
        let mut requests = request.into_inner();
        let broker = self.broker.clone();
        let (tx, rx) = tokio::sync::mpsc::channel(STREAM_PENDING_RESPONSES);
        tokio::spawn(async move {
            // One request at a time keeps records in the order the client sent them.
            while let Some(next) = requests.next().await {
                let result = match next {
                    Ok(request) => produce(&broker, request).await,
                    Err(status) => Err(status),
                };
                let failed = result.is_err();
                if tx.send(result).await.is_err() || failed {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(
            tokio_stream::wrappers::ReceiverStream::new(rx),
        )))
    }
}
