//! The Subscribe service: a server stream of records as they are appended.

use std::pin::Pin;
use std::sync::Arc;

use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status};

use crate::broker::acl::Right;
use crate::broker::subscription::DEFAULT_SUBSCRIPTION_BATCH_RECORDS;
use crate::broker::{Broker, StartPosition};
use crate::wire::v1 as pb;
use crate::wire::v1::subscribe_server::Subscribe;

use super::auth::authorize;
use super::fetch::start_position;
use super::metrics::Metrics;

pub struct SubscribeService {
    broker: Arc<Broker>,
    metrics: Arc<Metrics>,
}

impl SubscribeService {
    pub fn new(broker: Arc<Broker>, metrics: Arc<Metrics>) -> Self {
        SubscribeService { broker, metrics }
    }
}

type ResponseStream = Pin<Box<dyn Stream<Item = Result<pb::SubscribeResponse, Status>> + Send>>;

#[tonic::async_trait]
impl Subscribe for SubscribeService {
    type SubscribeStream = ResponseStream;

    async fn subscribe(
        &self,
        request: Request<pb::SubscribeRequest>,
    ) -> Result<Response<ResponseStream>, Status> {
        authorize(&request, Right::Consume, &request.get_ref().topic)?;
        let request = request.into_inner();
        let topic = self.broker.topic(&request.topic)?;
        let default_start = match request.default_start {
            Some(start) => start_position(Some(start))?,
            None => StartPosition::Latest,
        };
        let partitions = if request.partitions.is_empty() {
            (0..topic.partition_count())
                .map(|p| (p, default_start))
                .collect()
        } else {
            request
                .partitions
                .into_iter()
                .map(|p| Ok((p.partition, start_position(p.start)?)))
                .collect::<Result<Vec<_>, Status>>()?
        };
        let batches = self
            .broker
            .subscribe(
                &request.topic,
                partitions,
                request
                    .max_batch_records
                    .unwrap_or(DEFAULT_SUBSCRIPTION_BATCH_RECORDS),
            )
            .await?;
        let metrics = self.metrics.clone();
        let topic_name = request.topic.clone();
        let stream = tokio_stream::wrappers::ReceiverStream::new(batches).map(move |item| {
            let batch = item?;
            metrics.record_out(&topic_name, batch.records.iter().map(|r| &r.record));
            Ok(pb::SubscribeResponse {
                partition: batch.partition,
                records: batch.records.into_iter().map(Into::into).collect(),
                next_offset: batch.next_offset,
                log_end_offset: batch.log_end_offset,
            })
        });
        Ok(Response::new(Box::pin(stream)))
    }
}
