//! The Fetch service: reads by offset, time or log boundary, with long-polling at the end.

use std::sync::Arc;

use tonic::{Request, Response, Status};

use crate::broker::acl::Right;
use crate::broker::{self, Broker, StartPosition};
use crate::wire::v1 as pb;
use crate::wire::v1::fetch_server::Fetch;

use super::auth::authorize;
use super::metrics::Metrics;
use super::status::invalid;

pub struct FetchService {
    broker: Arc<Broker>,
    metrics: Arc<Metrics>,
}

impl FetchService {
    pub fn new(broker: Arc<Broker>, metrics: Arc<Metrics>) -> Self {
        FetchService { broker, metrics }
    }
}

/// The engine's start position from the wire's; exactly one variant must be set.
pub fn start_position(start: Option<pb::StartPosition>) -> Result<StartPosition, Status> {
    use pb::start_position::Position;
    match start.and_then(|s| s.position) {
        Some(Position::Offset(offset)) => Ok(StartPosition::Offset(offset)),
        Some(Position::TimestampMs(ts)) => Ok(StartPosition::Timestamp(ts)),
        Some(Position::Boundary(b)) => match pb::LogBoundary::try_from(b) {
            Ok(pb::LogBoundary::Earliest) => Ok(StartPosition::Earliest),
            Ok(pb::LogBoundary::Latest) => Ok(StartPosition::Latest),
            _ => Err(invalid(format!(
                "start.boundary must be EARLIEST or LATEST, got {b}"
            ))),
        },
        None => Err(invalid(
            "start must set one of offset, timestamp_ms or boundary",
        )),
    }
}

#[tonic::async_trait]
impl Fetch for FetchService {
    async fn fetch(
        &self,
        request: Request<pb::FetchRequest>,
    ) -> Result<Response<pb::FetchResponse>, Status> {
        authorize(&request, Right::Consume, &request.get_ref().topic)?;
        let request = request.into_inner();
        let result = self
            .broker
            .fetch(broker::FetchRequest {
                topic: request.topic.clone(),
                partition: request.partition,
                start: start_position(request.start)?,
                max_records: request
                    .max_records
                    .unwrap_or(broker::DEFAULT_FETCH_MAX_RECORDS),
                max_bytes: request.max_bytes.unwrap_or(broker::DEFAULT_FETCH_MAX_BYTES),
                max_wait_ms: request.max_wait_ms,
                record_batches: request.record_batches,
            })
            .await?;
        if request.record_batches {
            let bytes = result.batches.iter().map(|b| b.bytes.len() as u64).sum();
            let count = result.next_offset - result.start_offset;
            self.metrics.counted_out(&request.topic, count, bytes);
        } else {
            self.metrics
                .record_out(&request.topic, result.records.iter().map(|r| &r.record));
        }
        Ok(Response::new(pb::FetchResponse {
            topic: request.topic,
            partition: request.partition,
            records: result.records.into_iter().map(Into::into).collect(),
            batches: result.batches.into_iter().map(|b| b.bytes).collect(),
            start_offset: result.start_offset,
            next_offset: result.next_offset,
            log_start_offset: result.log_start_offset,
            log_end_offset: result.log_end_offset,
        }))
    }

    async fn list_offsets(
        &self,
        request: Request<pb::ListOffsetsRequest>,
    ) -> Result<Response<pb::ListOffsetsResponse>, Status> {
        authorize(&request, Right::Consume, &request.get_ref().topic)?;
        let request = request.into_inner();
        let resolved = self
            .broker
            .list_offset(
                &request.topic,
                request.partition,
                start_position(request.position)?,
            )
            .await?;
        Ok(Response::new(pb::ListOffsetsResponse {
            offset: resolved.offset,
            log_start_offset: resolved.log_start_offset,
            log_end_offset: resolved.log_end_offset,
        }))
    }
}
