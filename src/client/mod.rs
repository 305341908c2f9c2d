//! A typed async client over the generated gRPC stubs, used by every CLI command.
//!
//! Proto types stop here: callers see the plain types of [`types`].

pub mod cluster;
pub mod group;
pub mod idempotence;
pub mod routed_fetch;
pub mod routed_producer;
pub mod routing;
pub mod types;

use std::time::Duration;

use bytes::Bytes;
use tokio_stream::StreamExt;
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::tls::ClientTls;
use crate::wire::v1 as pb;
use crate::wire::v1::admin_client::AdminClient;
use crate::wire::v1::cluster_client::ClusterClient;
use crate::wire::v1::fetch_client::FetchClient;
use crate::wire::v1::groups_client::GroupsClient;
use crate::wire::v1::produce_client::ProduceClient;
use crate::wire::v1::subscribe_client::SubscribeClient;

pub use cluster::{
    BrokerInfo, ClusterMetadata, MovePlan, NOT_LEADER_KEY, PartitionMove, PartitionPlacement,
    PartitionReplicas,
};
pub use group::{
    CommittedOffset, GroupAssignment, GroupInfo, GroupMember, GroupMemberInfo, GroupPartitionInfo,
    GroupSummary, JoinOptions, OffsetResetPlan, OffsetToCommit, ResetTo, TopicPartition,
};
pub use idempotence::ProducerSession;
pub use routed_fetch::LeaderReader;
pub use routed_producer::RoutedProducer;
pub use routing::ClusterRouter;
pub use types::{
    Acks, ConsumedRecord, FetchBatch, Header, Offset, PartitionInfo, ProducedPosition,
    ProducerRecord, RequestStamp, TopicInfo, TopicSettings,
};

/// Where clients look for a broker when nothing else is configured.
pub const DEFAULT_BROKER: &str = "http://127.0.0.1:50051";
/// Where clients with TLS settings look for a broker when nothing else is configured.
pub const DEFAULT_TLS_BROKER: &str = "https://127.0.0.1:50051";
/// How long connecting to a broker may take before it counts as unreachable.
pub const CONNECT_TIMEOUT_MS: u64 = 3_000;
/// While calls are in flight, how often the connection is pinged (HTTP/2 PING), and how long
/// an answer may take before the connection is dropped (its calls fail as unreachable, the next
/// one dials afresh): a connection that lived through a network partition otherwise waits out
/// TCP's retransmission backoff, seconds after the partition healed.
pub const KEEPALIVE_INTERVAL_MS: u64 = 1_000;
pub const KEEPALIVE_TIMEOUT_MS: u64 = 3_000;
/// The largest message the client sends or accepts.
pub const MAX_MESSAGE_BYTES: usize = 96 * 1024 * 1024;
/// HTTP/2 flow-control windows for what the broker sends (fetch responses of several MiB). h2's
/// default of 64 KiB made every large response wait for a dozen window updates.
pub const HTTP2_STREAM_WINDOW_BYTES: u32 = 8 * 1024 * 1024;
pub const HTTP2_CONNECTION_WINDOW_BYTES: u32 = 16 * 1024 * 1024;
/// Produce requests a stream may have sent and not yet seen acknowledged.
pub const PRODUCE_STREAM_IN_FLIGHT: usize = 8;

/// Errors a client call can end with.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach broker at {address}: {reason}")]
    Unreachable { address: String, reason: String },
    #[error("invalid broker address {address:?}: {reason}")]
    InvalidAddress { address: String, reason: String },
    /// The TLS library refused the settings (a client certificate it cannot use, ...).
    #[error("TLS settings rejected: {0}")]
    InvalidTls(String),
    #[error("{}", .0.message())]
    Status(#[from] tonic::Status),
    #[error("the broker sent a damaged record batch: {0}")]
    BadBatch(#[from] crate::protocol::batch::BatchError),
}

impl ClientError {
    /// The broker does not lead the partition (in a cluster): refresh metadata and go to the
    /// leader.
    pub fn is_not_leader(&self) -> bool {
        matches!(self, ClientError::Status(s) if s.metadata().contains_key(cluster::NOT_LEADER_KEY))
    }

    /// The broker could not be reached or the connection broke. A broken connection comes from
    /// the transport (the status has a source error), never from the broker's own answers; a
    /// broker killed mid-call shows as UNAVAILABLE, UNKNOWN or CANCELLED depending on when.
    pub fn is_connection_failure(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } => true,
            ClientError::Status(s) => {
                matches!(
                    s.code(),
                    tonic::Code::Unavailable | tonic::Code::Unknown | tonic::Code::Cancelled
                ) && std::error::Error::source(s).is_some()
            }
            ClientError::InvalidAddress { .. }
            | ClientError::InvalidTls(_)
            | ClientError::BadBatch(_) => false,
        }
    }

    /// The broker's answer code, when it answered.
    pub fn code(&self) -> Option<StatusCode> {
        match self {
            ClientError::Status(status) => Some(status.code().into()),
            _ => None,
        }
    }

    /// The broker's own words, when it answered.
    pub fn status_message(&self) -> Option<&str> {
        match self {
            ClientError::Status(status) => Some(status.message()),
            _ => None,
        }
    }

    /// The broker went away (a restart, a crash) rather than refused the call: it could not be
    /// reached, or the call ended UNAVAILABLE, UNKNOWN or CANCELLED. Worth reconnecting.
    pub fn is_broker_gone(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } => true,
            ClientError::Status(_) => matches!(
                self.code(),
                Some(StatusCode::Unavailable | StatusCode::Unknown | StatusCode::Cancelled)
            ),
            _ => false,
        }
    }
}

/// A broker's answer code as the client reports it: gRPC's codes, named here so that callers
/// (the CLI) decide on them without speaking tonic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    Ok,
    Cancelled,
    Unknown,
    InvalidArgument,
    DeadlineExceeded,
    NotFound,
    AlreadyExists,
    PermissionDenied,
    ResourceExhausted,
    FailedPrecondition,
    Aborted,
    OutOfRange,
    Unimplemented,
    Internal,
    Unavailable,
    DataLoss,
    Unauthenticated,
}

impl From<tonic::Code> for StatusCode {
    fn from(code: tonic::Code) -> Self {
        use tonic::Code as C;
        match code {
            C::Ok => StatusCode::Ok,
            C::Cancelled => StatusCode::Cancelled,
            C::Unknown => StatusCode::Unknown,
            C::InvalidArgument => StatusCode::InvalidArgument,
            C::DeadlineExceeded => StatusCode::DeadlineExceeded,
            C::NotFound => StatusCode::NotFound,
            C::AlreadyExists => StatusCode::AlreadyExists,
            C::PermissionDenied => StatusCode::PermissionDenied,
            C::ResourceExhausted => StatusCode::ResourceExhausted,
            C::FailedPrecondition => StatusCode::FailedPrecondition,
            C::Aborted => StatusCode::Aborted,
            C::OutOfRange => StatusCode::OutOfRange,
            C::Unimplemented => StatusCode::Unimplemented,
            C::Internal => StatusCode::Internal,
            C::Unavailable => StatusCode::Unavailable,
            C::DataLoss => StatusCode::DataLoss,
            C::Unauthenticated => StatusCode::Unauthenticated,
        }
    }
}

pub type Result<T, E = ClientError> = std::result::Result<T, E>;

/// Runs `request`, a call to the broker at `address`, giving up after `timeout_ms`. A broker that
/// is paused or cut off keeps its connections open without answering, so only a deadline tells
/// it from a slow one; a call that outlives it counts as a lost connection
/// ([`ClientError::Unreachable`]), which routed callers answer by asking the cluster again.
pub async fn answered_within<T>(
    address: &str,
    timeout_ms: u64,
    what: &str,
    request: impl Future<Output = Result<T>>,
) -> Result<T> {
    tokio::time::timeout(std::time::Duration::from_millis(timeout_ms), request)
        .await
        .unwrap_or_else(|_| {
            Err(ClientError::Unreachable {
                address: address.to_string(),
                reason: format!("no answer to {what} within {timeout_ms} ms"),
            })
        })
}

/// A connection to one broker.
#[derive(Clone)]
pub struct Client {
    address: String,
    /// How this client connected (token, TLS), to reach the other brokers of a cluster alike.
    target: BrokerTarget,
    produce: ProduceClient<Transport>,
    fetch: FetchClient<Transport>,
    admin: AdminClient<Transport>,
    groups: GroupsClient<Transport>,
    subscribe: SubscribeClient<Transport>,
    cluster: ClusterClient<Transport>,
}

/// Where a broker is, the token to show it and the TLS to reach it with.
#[derive(Debug, Clone)]
pub struct BrokerTarget {
    pub address: String,
    pub token: Option<String>,
    /// `None` is plain text (`http://`); set, the connection is TLS (`https://`).
    pub tls: Option<ClientTls>,
    /// When produces are acknowledged in a cluster (every broker of it is reached alike).
    pub acks: Acks,
}

impl BrokerTarget {
    /// Another broker, reached with the same token and TLS settings.
    pub fn at(&self, address: &str) -> BrokerTarget {
        BrokerTarget {
            address: address.to_string(),
            ..self.clone()
        }
    }

    /// A broker reached in plain text without a token.
    pub fn plain(address: &str) -> BrokerTarget {
        BrokerTarget {
            address: address.to_string(),
            token: None,
            tls: None,
            acks: Acks::default(),
        }
    }

    /// Connects and checks that the broker answers, all within [`CONNECT_TIMEOUT_MS`]; every
    /// call then carries the token, if any.
    pub async fn connect(&self) -> Result<Client> {
        let bearer = BearerToken::new(self.token.as_deref())?;
        let address = url_for(&self.address, self.tls.is_some())?;
        let mut endpoint = Endpoint::from_shared(address.clone())
            .map_err(|e| ClientError::InvalidAddress {
                address: address.clone(),
                reason: e.to_string(),
            })?
            .connect_timeout(Duration::from_millis(CONNECT_TIMEOUT_MS))
            .http2_keep_alive_interval(Duration::from_millis(KEEPALIVE_INTERVAL_MS))
            .keep_alive_timeout(Duration::from_millis(KEEPALIVE_TIMEOUT_MS))
            .tcp_nodelay(true)
            .initial_stream_window_size(HTTP2_STREAM_WINDOW_BYTES)
            .initial_connection_window_size(HTTP2_CONNECTION_WINDOW_BYTES);
        if let Some(tls) = &self.tls {
            endpoint = endpoint
                .tls_config(tls.tonic_config())
                .map_err(|e| ClientError::InvalidTls(crate::tls::error_chain(&e)))?;
        }
        let unreachable = |reason: String| ClientError::Unreachable {
            address: address.clone(),
            reason,
        };
        let connected = tokio::time::timeout(
            Duration::from_millis(CONNECT_TIMEOUT_MS),
            connect_and_check(endpoint),
        )
        .await
        .map_err(|_| unreachable(format!("no answer within {CONNECT_TIMEOUT_MS} ms")))?;
        let channel = connected.map_err(unreachable)?;
        Ok(Client::over(channel, bearer, address, self.clone()))
    }
}

/// Opens the channel and makes one health check on it. A broker that refuses the connection
/// only once it is used (a TLS broker hearing plain text, a mutual-TLS broker refusing a client
/// without a certificate after the handshake) is then reported here, as unreachable, and not as
/// an odd error from the first real call. The health service is open even with auth on.
async fn connect_and_check(endpoint: Endpoint) -> std::result::Result<Channel, String> {
    let channel = endpoint.connect().await.map_err(|e| innermost(&e))?;
    HealthClient::new(channel.clone())
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map_err(|status| {
            let detail = std::error::Error::source(&status).map(innermost);
            let message = match detail {
                Some(detail) if detail != status.message() => {
                    format!("{}: {detail}", status.message())
                }
                _ => status.message().to_string(),
            };
            format!("connected, but the first call failed: {message}")
        })?;
    Ok(channel)
}

/// The message of the deepest error under `error`: the one that says what went wrong.
fn innermost(error: &(dyn std::error::Error + 'static)) -> String {
    let mut deepest = error;
    while let Some(inner) = deepest.source() {
        deepest = inner;
    }
    deepest.to_string()
}

/// The URL to dial: `host:port` gets the scheme that matches the TLS setting, and a URL whose
/// scheme contradicts it is refused, since tonic would silently speak plain text to an
/// `http://` URL even with TLS settings.
fn url_for(address: &str, tls: bool) -> Result<String> {
    let invalid = |reason: &str| ClientError::InvalidAddress {
        address: address.to_string(),
        reason: reason.to_string(),
    };
    match (address.split_once("://"), tls) {
        (None, false) => Ok(format!("http://{address}")),
        (None, true) => Ok(format!("https://{address}")),
        (Some(("http", _)), false) | (Some(("https", _)), true) => Ok(address.to_string()),
        (Some(("http", _)), true) => Err(invalid(
            "http:// is plain text but TLS is configured: use https:// or host:port",
        )),
        (Some(("https", _)), false) => Err(invalid(
            "https:// needs TLS settings: the CA certificate to trust the broker by",
        )),
        (Some(_), _) => Err(invalid("the scheme must be http:// or https://")),
    }
}

/// Every call goes through the channel with the caller's bearer token, if it has one.
type Transport = InterceptedService<Channel, BearerToken>;

/// Adds `authorization: Bearer <token>` to every request when a token is set.
#[derive(Clone, Default)]
pub struct BearerToken(Option<MetadataValue<Ascii>>);

impl BearerToken {
    /// A token to send; fails on characters a header cannot carry.
    pub fn new(token: Option<&str>) -> Result<BearerToken> {
        match token {
            None => Ok(BearerToken(None)),
            Some(token) => format!("Bearer {}", token.trim())
                .parse()
                .map(|value| BearerToken(Some(value)))
                .map_err(|_| {
                    ClientError::Status(tonic::Status::invalid_argument(
                        "the token holds characters an HTTP header cannot carry",
                    ))
                }),
        }
    }
}

impl tonic::service::Interceptor for BearerToken {
    fn call(
        &mut self,
        mut request: tonic::Request<()>,
    ) -> Result<tonic::Request<()>, tonic::Status> {
        if let Some(value) = &self.0 {
            request
                .metadata_mut()
                .insert("authorization", value.clone());
        }
        Ok(request)
    }
}

pub use crate::wire::address::{normalize_address, validate_address};

impl Client {
    /// Connects in plain text without a token, failing within [`CONNECT_TIMEOUT_MS`] when no
    /// broker answers.
    pub async fn connect(address: &str) -> Result<Client> {
        BrokerTarget::plain(address).connect().await
    }

    /// The typed stubs over a connected channel.
    fn over(
        channel: Channel,
        bearer: BearerToken,
        address: String,
        target: BrokerTarget,
    ) -> Client {
        Client {
            produce: ProduceClient::with_interceptor(channel.clone(), bearer.clone())
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
            fetch: FetchClient::with_interceptor(channel.clone(), bearer.clone())
                .max_decoding_message_size(MAX_MESSAGE_BYTES)
                .max_encoding_message_size(MAX_MESSAGE_BYTES),
            groups: GroupsClient::with_interceptor(channel.clone(), bearer.clone()),
            admin: AdminClient::with_interceptor(channel.clone(), bearer.clone()),
            cluster: ClusterClient::with_interceptor(channel.clone(), bearer.clone()),
            target,
            subscribe: SubscribeClient::with_interceptor(channel, bearer)
                .max_decoding_message_size(MAX_MESSAGE_BYTES),
            address,
        }
    }

    pub fn address(&self) -> &str {
        &self.address
    }

    /// This client, with its produces (and those of the clients it makes for the other brokers
    /// of a cluster) acknowledged as `acks` says.
    pub fn with_acks(mut self, acks: Acks) -> Client {
        self.target.acks = acks;
        self
    }

    /// Appends records; returns each one's partition and offset, in order.
    pub async fn produce(
        &self,
        topic: &str,
        records: Vec<ProducerRecord>,
    ) -> Result<Vec<ProducedPosition>> {
        self.produce_stamped(topic, records, None).await
    }

    /// [`Client::produce`] of an idempotent producer's request, stamped by its
    /// [`ProducerSession`] (every record names its partition): sent again with the same stamp,
    /// it is answered with where it was first written.
    pub async fn produce_stamped(
        &self,
        topic: &str,
        records: Vec<ProducerRecord>,
        stamp: Option<&RequestStamp>,
    ) -> Result<Vec<ProducedPosition>> {
        let response = self
            .produce
            .clone()
            .produce(types::produce_request(
                topic,
                records,
                self.target.acks,
                stamp,
            ))
            .await?
            .into_inner();
        Ok(types::positions_from_wire(response))
    }

    /// Starts an idempotent producer's session, or renews `renewing` in its next epoch: the
    /// producer id and epoch.
    pub async fn init_producer(&self, renewing: Option<(i64, i16)>) -> Result<(i64, i16)> {
        let response = self
            .produce
            .clone()
            .init_producer(pb::InitProducerRequest {
                session: renewing.map(|(producer_id, epoch)| pb::ProducerSession {
                    producer_id,
                    producer_epoch: epoch as i32,
                }),
            })
            .await?
            .into_inner();
        let session = response.session.unwrap_or_default();
        let epoch = i16::try_from(session.producer_epoch).map_err(|_| {
            ClientError::Status(tonic::Status::internal(format!(
                "the broker handed out producer epoch {}",
                session.producer_epoch
            )))
        })?;
        Ok((session.producer_id, epoch))
    }

    /// Opens an ordered produce stream: send batches on the [`ProduceSender`] while reading each
    /// batch's positions, in order, from the [`ProduceAcks`].
    pub async fn produce_stream(&self, topic: &str) -> Result<(ProduceSender, ProduceAcks)> {
        self.produce_stream_as(topic, None).await
    }

    /// [`Client::produce_stream`] for an idempotent producer: every batch sent is stamped by
    /// `session` (and every record must name its partition).
    pub async fn produce_stream_as(
        &self,
        topic: &str,
        session: Option<std::sync::Arc<ProducerSession>>,
    ) -> Result<(ProduceSender, ProduceAcks)> {
        let (tx, rx) = tokio::sync::mpsc::channel::<pb::ProduceRequest>(PRODUCE_STREAM_IN_FLIGHT);
        let responses = self
            .produce
            .clone()
            .produce_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
            .await?
            .into_inner();
        Ok((
            ProduceSender {
                topic: topic.to_string(),
                acks: self.target.acks,
                session,
                requests: tx,
            },
            ProduceAcks { responses },
        ))
    }

    /// Reads one partition from `start`, waiting up to `max_wait_ms` at the end of the log.
    pub async fn fetch(
        &self,
        topic: &str,
        partition: u32,
        start: Offset,
        max_records: Option<u32>,
        max_wait_ms: u32,
    ) -> Result<FetchBatch> {
        let response = self
            .fetch
            .clone()
            .fetch(pb::FetchRequest {
                topic: topic.to_string(),
                partition,
                start: Some(start.into()),
                max_records,
                max_bytes: None,
                max_wait_ms,
                record_batches: true,
            })
            .await?
            .into_inner();
        let mut fetched = types::fetch_batch_from_wire(response)?;
        // Whole batches may carry more than asked for; the rest is read by the next fetch.
        if let Some(max) = max_records.map(|m| m.max(1) as usize)
            && fetched.records.len() > max
        {
            fetched.records.truncate(max);
            fetched.next_offset = fetched.records[max - 1].offset + 1;
        }
        Ok(fetched)
    }

    /// Resolves a position in one partition to an offset; also returns the log's bounds.
    pub async fn list_offset(
        &self,
        topic: &str,
        partition: u32,
        position: Offset,
    ) -> Result<PartitionInfo> {
        let response = self
            .fetch
            .clone()
            .list_offsets(pb::ListOffsetsRequest {
                topic: topic.to_string(),
                partition,
                position: Some(position.into()),
            })
            .await?
            .into_inner();
        Ok(PartitionInfo {
            partition,
            start_offset: response.log_start_offset,
            end_offset: response.log_end_offset,
            size_bytes: 0,
            resolved_offset: Some(response.offset),
        })
    }

    /// Streams records of `topic` as they are appended: the listed partitions from their own
    /// start, or every partition from `default_start` when the list is empty.
    pub async fn subscribe(
        &self,
        topic: &str,
        partitions: Vec<(u32, Offset)>,
        default_start: Offset,
    ) -> Result<Subscription> {
        let responses = self
            .subscribe
            .clone()
            .subscribe(pb::SubscribeRequest {
                topic: topic.to_string(),
                partitions: partitions
                    .into_iter()
                    .map(|(partition, start)| pb::PartitionStart {
                        partition,
                        start: Some(start.into()),
                    })
                    .collect(),
                default_start: Some(default_start.into()),
                max_batch_records: None,
            })
            .await?
            .into_inner();
        Ok(Subscription { responses })
    }

    pub async fn create_topic(
        &self,
        name: &str,
        partitions: Option<u32>,
        settings: TopicSettings,
    ) -> Result<TopicInfo> {
        self.create_replicated_topic(name, partitions, None, settings)
            .await
    }

    /// Creates a topic with `replication_factor` replicas per partition (in a cluster).
    pub async fn create_replicated_topic(
        &self,
        name: &str,
        partitions: Option<u32>,
        replication_factor: Option<u32>,
        settings: TopicSettings,
    ) -> Result<TopicInfo> {
        let response = self
            .admin
            .clone()
            .create_topic(pb::CreateTopicRequest {
                name: name.to_string(),
                partitions,
                config: Some(settings.into()),
                replication_factor,
            })
            .await?;
        Ok(response.into_inner().into())
    }

    pub async fn list_topics(&self) -> Result<Vec<TopicInfo>> {
        let response = self
            .admin
            .clone()
            .list_topics(pb::ListTopicsRequest {})
            .await?;
        Ok(response
            .into_inner()
            .topics
            .into_iter()
            .map(Into::into)
            .collect())
    }

    pub async fn describe_topic(&self, name: &str) -> Result<TopicInfo> {
        let response = self
            .admin
            .clone()
            .describe_topic(pb::DescribeTopicRequest {
                name: name.to_string(),
            })
            .await?;
        Ok(response.into_inner().into())
    }

    pub async fn delete_topic(&self, name: &str) -> Result<()> {
        self.admin
            .clone()
            .delete_topic(pb::DeleteTopicRequest {
                name: name.to_string(),
            })
            .await?;
        Ok(())
    }

    pub async fn update_topic_config(
        &self,
        name: &str,
        settings: TopicSettings,
    ) -> Result<TopicInfo> {
        let response = self
            .admin
            .clone()
            .update_topic_config(pb::UpdateTopicConfigRequest {
                name: name.to_string(),
                config: Some(settings.into()),
            })
            .await?;
        Ok(response.into_inner().into())
    }

    pub async fn create_partitions(&self, name: &str, total_partitions: u32) -> Result<TopicInfo> {
        let response = self
            .admin
            .clone()
            .create_partitions(pb::CreatePartitionsRequest {
                name: name.to_string(),
                total_partitions,
            })
            .await?;
        Ok(response.into_inner().into())
    }
}

/// The sending half of a produce stream: batches go out in the order they are sent.
pub struct ProduceSender {
    topic: String,
    acks: Acks,
    /// An idempotent producer's session, stamping every batch.
    session: Option<std::sync::Arc<ProducerSession>>,
    requests: tokio::sync::mpsc::Sender<pb::ProduceRequest>,
}

impl ProduceSender {
    /// Sends one batch, waiting while [`PRODUCE_STREAM_IN_FLIGHT`] batches are queued. Returns
    /// false when the stream has ended (the acknowledgement half says why). Dropping the sender
    /// ends the stream once the queued batches are sent.
    pub async fn send(&self, records: Vec<ProducerRecord>) -> bool {
        let stamp = match &self.session {
            Some(session) => match session.stamp(&self.topic, &records).await {
                Ok(stamp) => Some(stamp),
                Err(_) => return false,
            },
            None => None,
        };
        self.send_stamped(records, stamp).await
    }

    /// Sends one batch an idempotent producer stamped already (every record naming its
    /// partition), like [`ProduceSender::send`].
    pub async fn send_stamped(
        &self,
        records: Vec<ProducerRecord>,
        stamp: Option<RequestStamp>,
    ) -> bool {
        self.requests
            .send(types::produce_request(
                &self.topic,
                records,
                self.acks,
                stamp.as_ref(),
            ))
            .await
            .is_ok()
    }
}

/// The receiving half of a produce stream: one acknowledgement per batch, in order.
pub struct ProduceAcks {
    responses: tonic::Streaming<pb::ProduceResponse>,
}

impl ProduceAcks {
    /// The positions of the next acknowledged batch, `None` when the stream is complete.
    pub async fn next(&mut self) -> Result<Option<Vec<ProducedPosition>>> {
        match self.responses.next().await {
            Some(Ok(response)) => Ok(Some(types::positions_from_wire(response))),
            Some(Err(status)) => Err(status.into()),
            None => Ok(None),
        }
    }
}

/// An open subscription: batches of one partition at a time, in order per partition.
pub struct Subscription {
    responses: tonic::Streaming<pb::SubscribeResponse>,
}

impl Subscription {
    /// The next batch; `None` when the broker ended the stream.
    pub async fn next(&mut self) -> Result<Option<FetchBatch>> {
        match self.responses.next().await {
            Some(Ok(response)) => {
                let partition = response.partition;
                Ok(Some(FetchBatch {
                    records: response
                        .records
                        .into_iter()
                        .map(|r| types::consumed_from_wire(partition, r))
                        .collect(),
                    next_offset: response.next_offset,
                    log_start_offset: 0,
                    log_end_offset: response.log_end_offset,
                    partition,
                }))
            }
            Some(Err(status)) => Err(status.into()),
            None => Ok(None),
        }
    }
}

/// Convenience for building a header.
pub fn header(key: impl Into<String>, value: impl Into<Bytes>) -> Header {
    Header {
        key: key.into(),
        value: value.into(),
    }
}
