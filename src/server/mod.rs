//! The gRPC face of the broker: one file per service, translating wire types to engine types.
//!
//! Also serves `grpc.health.v1` and server reflection so grpcurl and health probes work.
//! Proto types stop here; nothing below imports tonic.

pub mod admin;
pub mod auth;
pub mod cluster;
pub mod connections;
pub mod fetch;
pub mod group;
pub mod message_limits;
pub mod metrics;
pub mod produce;
pub mod status;
pub mod subscribe;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::broker::{Broker, MAX_FETCH_MAX_BYTES};
use crate::cluster::ClusterNode;
use crate::cluster::replication::Replication;
use crate::tls::ServerTls;
use crate::wire::v1::admin_server::AdminServer;
use crate::wire::v1::cluster_server::ClusterServer;
use crate::wire::v1::fetch_server::FetchServer;
use crate::wire::v1::groups_server::GroupsServer;
use crate::wire::v1::produce_server::ProduceServer;
use crate::wire::v1::subscribe_server::SubscribeServer;
use auth::Authenticator;
use message_limits::{MessageLimitLayer, MessageLimits};
use metrics::{Metrics, RpcMetricsLayer};
use tonic::service::interceptor::InterceptedService;

/// Room on top of the batch limit for protobuf framing (tags and lengths per record), so a
/// request the broker would accept is never cut by the transport first.
const REQUEST_FRAMING_SLACK_BYTES: usize = 8 * 1024 * 1024;
/// Concurrent HTTP/2 streams (in-flight RPCs) one connection may open.
pub const MAX_STREAMS_PER_CONNECTION: u32 = 1024;
/// Concurrent client connections a broker serves by default (`serve --max-connections`).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// HTTP/2 flow-control windows for what clients send (produce requests). h2's default of 64 KiB
/// made a 1 MiB request wait for a dozen window updates, each a round trip.
pub const HTTP2_STREAM_WINDOW_BYTES: u32 = 1024 * 1024;
pub const HTTP2_CONNECTION_WINDOW_BYTES: u32 = 2 * 1024 * 1024;

/// Why serving stopped with an error (the CLI reports it; the server layer has no anyhow).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("gRPC transport: {0}")]
    Transport(#[from] tonic::transport::Error),
    #[error("server reflection: {0}")]
    Reflection(#[from] tonic_reflection::server::Error),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Broker(#[from] crate::broker::BrokerError),
    #[error("the server task failed: {0}")]
    Task(String),
}

/// Serves the broker's gRPC services on `listener` until `shutdown` completes, then stops
/// accepting and lets in-flight requests finish.
pub async fn serve(
    broker: Arc<Broker>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    serve_with_metrics(
        broker,
        listener,
        shutdown,
        Arc::new(Metrics::new()),
        Authenticator::default(),
        ServeOptions::default(),
    )
    .await
}

/// How a broker's listener is run beyond its defaults.
pub struct ServeOptions {
    /// TLS on every connection when set.
    pub tls: Option<ServerTls>,
    /// Most clients served at once (see [`connections`]).
    pub max_connections: usize,
    /// This broker's cluster membership, when it is one of several.
    pub cluster: Option<(Arc<ClusterNode>, Arc<Replication>)>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            tls: None,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            cluster: None,
        }
    }
}

/// [`serve`], recording into `metrics` (which `serve --metrics-listen` exposes), checking
/// callers with `authenticator`, with the listener run as `options` say.
pub async fn serve_with_metrics(
    broker: Arc<Broker>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    metrics: Arc<Metrics>,
    authenticator: Authenticator,
    options: ServeOptions,
) -> Result<(), ServeError> {
    let ServeOptions {
        tls,
        max_connections,
        cluster,
    } = options;
    let (cluster, replicas) = match cluster {
        Some((node, replicas)) => (Some(node), Some(replicas)),
        None => (None, None),
    };
    let max_request_bytes = broker.config().limits.max_batch_bytes + REQUEST_FRAMING_SLACK_BYTES;
    let max_response_bytes = MAX_FETCH_MAX_BYTES as usize + REQUEST_FRAMING_SLACK_BYTES;

    let (health, health_service) = tonic_health::server::health_reporter();
    health
        .set_serving::<ProduceServer<produce::ProduceService>>()
        .await;
    health
        .set_serving::<FetchServer<fetch::FetchService>>()
        .await;
    health
        .set_serving::<AdminServer<admin::AdminService>>()
        .await;
    health
        .set_serving::<GroupsServer<group::GroupsService>>()
        .await;
    health
        .set_serving::<SubscribeServer<subscribe::SubscribeService>>()
        .await;
    health
        .set_serving::<ClusterServer<cluster::ClusterService>>()
        .await;

    let reflection = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::wire::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(crate::wire::v1::FILE_DESCRIPTOR_SET)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;

    // Members that stop heartbeating are expired while the broker serves, wherever it is hosted.
    let group_expiry = broker.spawn_group_expiry();
    // Group joins wait for rebalances; answer them at once so they do not hold up the stop.
    let groups = broker.clone();
    let shutdown = async move {
        shutdown.await;
        groups.groups().shutdown().await;
    };

    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = tls {
        builder = builder.tls_config(tls.tonic_config())?;
    }
    // tonic ignores its own nodelay setting for an incoming stream of connections: the accept
    // loop in `connections` sets it on each one (or Nagle plus delayed ACKs stall large
    // responses by 40 ms).
    let served = builder
        .max_concurrent_streams(MAX_STREAMS_PER_CONNECTION)
        .initial_stream_window_size(HTTP2_STREAM_WINDOW_BYTES)
        .initial_connection_window_size(HTTP2_CONNECTION_WINDOW_BYTES)
        .layer(RpcMetricsLayer::new(metrics.clone()))
        .layer(MessageLimitLayer::new(MessageLimits {
            default_bytes: message_limits::DEFAULT_MAX_REQUEST_BYTES,
            services: vec![
                ("/flashq.v1.Produce/", max_request_bytes),
                ("/flashq.v1.Fetch/", max_request_bytes),
            ],
        }))
        .add_service(InterceptedService::new(
            ProduceServer::new(produce::ProduceService::new(
                broker.clone(),
                metrics.clone(),
            ))
            .max_decoding_message_size(max_request_bytes)
            .max_encoding_message_size(max_response_bytes),
            authenticator.clone(),
        ))
        .add_service(InterceptedService::new(
            FetchServer::new(fetch::FetchService::new(broker.clone(), metrics.clone()))
                .max_decoding_message_size(max_request_bytes)
                .max_encoding_message_size(max_response_bytes),
            authenticator.clone(),
        ))
        .add_service(InterceptedService::new(
            AdminServer::new(admin::AdminService::new(match replicas {
                Some(replicas) => replicas,
                None => broker.clone(),
            })),
            authenticator.clone(),
        ))
        .add_service(InterceptedService::new(
            GroupsServer::new(group::GroupsService::new(broker.clone())),
            authenticator.clone(),
        ))
        .add_service(InterceptedService::new(
            ClusterServer::new(cluster::ClusterService::new(cluster)),
            authenticator.clone(),
        ))
        .add_service(InterceptedService::new(
            SubscribeServer::new(subscribe::SubscribeService::new(broker.clone(), metrics))
                .max_encoding_message_size(max_response_bytes),
            authenticator,
        ))
        .add_service(health_service)
        .add_service(reflection)
        .add_service(reflection_v1alpha)
        .serve_with_incoming_shutdown(connections::limited(listener, max_connections), shutdown)
        .await;
    group_expiry.abort();
    served?;
    Ok(())
}
