//! The Kafka face of the broker: Kafka's wire protocol on its own listener
//! (`serve --kafka-listen`), over the same engine as the gRPC server, so a record produced by
//! kcat is fetched by `flashq consume` and the reverse.
//!
//! - [`connection`]: framing, limits and in-order answers on one client connection.
//! - [`api_versions`]: the APIs and versions this broker speaks (and nothing else is answered).
//! - [`metadata`], [`produce`], [`fetch`], [`groups`], [`admin`]: one file per group of APIs, each
//!   translating Kafka's messages to engine calls and engine errors to Kafka's codes
//!   ([`errors`]).
//! - [`records`]: Kafka's RecordBatch v2 to and from FlashQ's stored batch.
//!
//! Messages are decoded and encoded by the `kafka-protocol` crate; nothing below imports it.

pub mod admin;
pub mod api_versions;
pub mod connection;
pub mod errors;
pub mod fetch;
pub mod groups;
pub mod metadata;
pub mod produce;
pub mod records;
pub mod sasl;

use std::future::Future;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::broker::Broker;
use crate::broker::acl::AccessControl;
use crate::broker::topic_admin::TopicAdmin;
use crate::cluster::ClusterNode;
use crate::tls::StreamTls;

/// The default Kafka listener of `flashq serve`, Kafka's own default port.
pub const DEFAULT_KAFKA_LISTEN: &str = "127.0.0.1:9092";
/// Connections the Kafka listener serves at once by default (as the gRPC listener).
pub const DEFAULT_MAX_KAFKA_CONNECTIONS: usize = 1024;
/// Room on top of the broker's batch limit for the rest of a produce request (topic and
/// partition names, several partitions' batches, Kafka's framing).
const REQUEST_FRAMING_SLACK_BYTES: usize = 8 * 1024 * 1024;

/// How this broker presents itself to Kafka clients.
#[derive(Debug, Clone)]
pub struct KafkaOptions {
    /// This broker's node id as Kafka clients see it (its cluster id, 0 alone).
    pub node_id: i32,
    /// The host and port Metadata names for this broker.
    pub advertised_host: String,
    pub advertised_port: u16,
    /// Most Kafka clients served at once; more wait to be accepted.
    pub max_connections: usize,
    /// TLS on every connection when set (the gRPC listener's certificate, key and client CA).
    pub tls: Option<StreamTls>,
}

/// What every request handler may use.
pub struct KafkaContext {
    pub broker: Arc<Broker>,
    pub options: KafkaOptions,
    /// This broker's cluster membership, when it is one of several: Metadata and
    /// FindCoordinator then answer from the cluster's metadata.
    pub cluster: Option<Arc<ClusterNode>>,
    /// Where topic changes go: the broker itself, or the metadata quorum.
    pub admin: Arc<dyn TopicAdmin>,
    /// The tokens file: when set, clients authenticate with SASL/PLAIN ([`sasl`]).
    pub acl: Option<Arc<AccessControl>>,
    /// The largest request frame read: a declared length over it closes the connection.
    pub max_request_bytes: usize,
}

/// Serves Kafka clients on `listener` until `shutdown` completes, then closes every connection
/// (a Kafka client reconnects and retries; idempotent producers store nothing twice).
pub async fn serve(
    broker: Arc<Broker>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    options: KafkaOptions,
    cluster: Option<Arc<ClusterNode>>,
    admin: Arc<dyn TopicAdmin>,
    acl: Option<Arc<AccessControl>>,
) {
    let max_request_bytes = broker.config().limits.max_batch_bytes + REQUEST_FRAMING_SLACK_BYTES;
    let slots = Arc::new(tokio::sync::Semaphore::new(options.max_connections.max(1)));
    let context = Arc::new(KafkaContext {
        broker,
        options,
        cluster,
        admin,
        acl,
        max_request_bytes,
    });
    let mut connections = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            _ = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(slot) => slot,
                Err(_) => break,
            },
        };
        let accepted = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => accepted,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                let context = context.clone();
                connections.spawn(async move {
                    match context.options.tls.clone() {
                        None => connection::serve(stream, context).await,
                        Some(tls) => match tls.accept(stream).await {
                            Ok(stream) => connection::serve(stream, context).await,
                            Err(reason) => tracing::debug!(%peer, "kafka connection: {reason}"),
                        },
                    }
                    tracing::debug!(%peer, "kafka connection closed");
                    drop(slot);
                });
            }
            Err(e) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!("kafka listener: accept failed: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        // Reap finished connections so the set holds only live ones.
        while connections.try_join_next().is_some() {}
    }
    connections.shutdown().await;
}
