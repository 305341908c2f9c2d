//! Prometheus metrics: what the broker counts, and the HTTP endpoint that serves them.
//!
//! The gRPC services record records and bytes in and out and append latency; a tower layer
//! times every RPC; gauges (topics, partitions, stored bytes, group members and lag) are read
//! from the engine at scrape time. Metric types stay in this module: the engine and storage know nothing of them.
//! `GET /metrics` answers in the OpenMetrics text format, which Prometheus scrapes natively.

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tokio::net::TcpListener;

use crate::broker::Broker;
use crate::storage::Record;

/// Distinct RPC paths that get their own latency series; paths beyond it (a client calling
/// made-up methods) share the label `other`, so a client cannot grow the registry without end.
pub const MAX_RPC_METHOD_LABELS: usize = 128;
/// Concurrent scrapes served at once; more wait for the kernel's accept queue.
pub const MAX_METRICS_CONNECTIONS: usize = 16;
/// Group lag series one scrape reports at most (group x topic x partition); past it the
/// scrape skips the rest, so thousands of groups cannot make a scrape unbounded.
pub const MAX_GROUP_LAG_SERIES: usize = 10_000;
/// How long a scrape connection may stay idle before it is closed.
pub const METRICS_CONNECTION_TIMEOUT_MS: u64 = 30_000;
/// The content type of the OpenMetrics text format.
const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets from 50 µs doubling up to about 26 s.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 20))
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TopicLabels {
    topic: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupLabels {
    group: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct GroupPartitionLabels {
    group: String,
    topic: String,
    partition: u32,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: String,
}

/// The broker's metrics registry.
pub struct Metrics {
    registry: Registry,
    records_in: Family<TopicLabels, Counter>,
    bytes_in: Family<TopicLabels, Counter>,
    records_out: Family<TopicLabels, Counter>,
    bytes_out: Family<TopicLabels, Counter>,
    rpc_duration: Family<MethodLabels, Histogram, fn() -> Histogram>,
    append_duration: Histogram,
    topics: Gauge,
    partitions: Gauge,
    stored_bytes: Gauge,
    fetches_waiting: Gauge,
    group_members: Family<GroupLabels, Gauge>,
    group_lag: Family<GroupPartitionLabels, Gauge>,
    /// One scrape at a time: a scrape clears and refills the group series before encoding.
    scrape: tokio::sync::Mutex<()>,
    /// RPC paths that already have a series, bounded by [`MAX_RPC_METHOD_LABELS`].
    methods: Mutex<HashSet<String>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A registry with every FlashQ metric at zero.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("flashq");
        let records_in = Family::<TopicLabels, Counter>::default();
        let bytes_in = Family::<TopicLabels, Counter>::default();
        let records_out = Family::<TopicLabels, Counter>::default();
        let bytes_out = Family::<TopicLabels, Counter>::default();
        let rpc_duration =
            Family::<MethodLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram,
            );
        let append_duration = latency_histogram();
        let topics = Gauge::default();
        let partitions = Gauge::default();
        let stored_bytes = Gauge::default();
        let fetches_waiting = Gauge::default();
        let group_members = Family::<GroupLabels, Gauge>::default();
        let group_lag = Family::<GroupPartitionLabels, Gauge>::default();
        registry.register(
            "records_in",
            "Records appended, by topic",
            records_in.clone(),
        );
        registry.register(
            "bytes_in",
            "Payload bytes (key, value, headers) appended, by topic",
            bytes_in.clone(),
        );
        registry.register(
            "records_out",
            "Records sent to consumers by fetch and subscribe, by topic",
            records_out.clone(),
        );
        registry.register(
            "bytes_out",
            "Payload bytes sent to consumers by fetch and subscribe, by topic",
            bytes_out.clone(),
        );
        registry.register(
            "rpc_duration_seconds",
            "Time from a gRPC request's arrival to its response headers, by method \
             (for streams: until the stream opens)",
            rpc_duration.clone(),
        );
        registry.register(
            "append_duration_seconds",
            "Time to append one produce batch, including its fsync under --fsync always",
            append_duration.clone(),
        );
        registry.register("topics", "Topics", topics.clone());
        registry.register(
            "partitions",
            "Partitions over all topics",
            partitions.clone(),
        );
        registry.register(
            "stored_bytes",
            "Bytes held by all partition logs",
            stored_bytes.clone(),
        );
        registry.register(
            "fetches_waiting",
            "Fetches waiting at the end of a log for new records (long polls)",
            fetches_waiting.clone(),
        );
        registry.register(
            "group_members",
            "Members of each consumer group",
            group_members.clone(),
        );
        registry.register(
            "group_lag",
            "Records between a group's committed offset and the log end, per partition",
            group_lag.clone(),
        );
        Metrics {
            registry,
            records_in,
            bytes_in,
            records_out,
            bytes_out,
            rpc_duration,
            append_duration,
            topics,
            partitions,
            stored_bytes,
            fetches_waiting,
            group_members,
            group_lag,
            scrape: tokio::sync::Mutex::new(()),
            methods: Mutex::new(HashSet::new()),
        }
    }

    /// Counts `records` records of `bytes` payload bytes appended to `topic`.
    pub fn record_in(&self, topic: &str, records: usize, bytes: usize) {
        let labels = topic_labels(topic);
        self.records_in
            .get_or_create(&labels)
            .inc_by(records as u64);
        self.bytes_in.get_or_create(&labels).inc_by(bytes as u64);
    }

    /// Counts records sent to a consumer of `topic`.
    pub fn record_out<'a>(&self, topic: &str, records: impl IntoIterator<Item = &'a Record>) {
        let (count, bytes) = sizes(records);
        self.counted_out(topic, count, bytes);
    }

    /// Counts records served as stored batches: `bytes` are the batches' bytes.
    pub fn counted_out(&self, topic: &str, count: u64, bytes: u64) {
        if count == 0 {
            return;
        }
        let labels = topic_labels(topic);
        self.records_out.get_or_create(&labels).inc_by(count);
        self.bytes_out.get_or_create(&labels).inc_by(bytes);
    }

    /// Records how long one append took.
    pub fn observe_append(&self, elapsed: Duration) {
        self.append_duration.observe(elapsed.as_secs_f64());
    }

    /// Records how long one RPC took to answer.
    pub fn observe_rpc(&self, path: &str, elapsed: Duration) {
        let method = {
            let mut methods = self.methods.lock().unwrap_or_else(|e| e.into_inner());
            if methods.contains(path) {
                path.to_string()
            } else if methods.len() < MAX_RPC_METHOD_LABELS {
                methods.insert(path.to_string());
                path.to_string()
            } else {
                "other".to_string()
            }
        };
        self.rpc_duration
            .get_or_create(&MethodLabels { method })
            .observe(elapsed.as_secs_f64());
    }

    /// The exposition text, with the gauges read from `broker` now.
    pub async fn encode(&self, broker: &Broker) -> String {
        let _one_scrape = self.scrape.lock().await;
        let topics = broker.topics();
        let mut partitions = 0i64;
        let mut stored_bytes = 0i64;
        for topic in &topics {
            for partition in topic.partitions() {
                partitions += 1;
                stored_bytes = stored_bytes.saturating_add(partition.size_bytes() as i64);
            }
        }
        self.topics.set(topics.len() as i64);
        self.partitions.set(partitions);
        self.stored_bytes.set(stored_bytes);
        self.fetches_waiting
            .set(i64::try_from(broker.waiting_fetches()).unwrap_or(i64::MAX));
        self.refresh_groups(broker).await;
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

impl Metrics {
    /// Replaces the group series with the groups as they are now (deleted groups vanish).
    async fn refresh_groups(&self, broker: &Broker) {
        self.group_members.clear();
        self.group_lag.clear();
        let mut series = 0usize;
        for summary in broker.list_groups().await {
            self.group_members
                .get_or_create(&GroupLabels {
                    group: summary.group.clone(),
                })
                .set(i64::from(summary.members));
            // A group deleted since the listing simply has no lag to report.
            let Ok(description) = broker.describe_group(&summary.group).await else {
                continue;
            };
            for partition in description.partitions {
                let Some(lag) = partition.lag else { continue };
                if series >= MAX_GROUP_LAG_SERIES {
                    return;
                }
                series += 1;
                self.group_lag
                    .get_or_create(&GroupPartitionLabels {
                        group: summary.group.clone(),
                        topic: partition.topic,
                        partition: partition.partition,
                    })
                    .set(i64::try_from(lag).unwrap_or(i64::MAX));
            }
        }
    }
}

fn topic_labels(topic: &str) -> TopicLabels {
    TopicLabels {
        topic: topic.to_string(),
    }
}

fn sizes<'a>(records: impl IntoIterator<Item = &'a Record>) -> (u64, u64) {
    records.into_iter().fold((0, 0), |(count, bytes), r| {
        (count + 1, bytes + r.payload_bytes() as u64)
    })
}

/// A tower layer that times every gRPC request by its path (`/flashq.v1.Produce/Produce`).
#[derive(Clone)]
pub struct RpcMetricsLayer {
    metrics: Arc<Metrics>,
}

impl RpcMetricsLayer {
    /// A layer recording into `metrics`.
    pub fn new(metrics: Arc<Metrics>) -> Self {
        RpcMetricsLayer { metrics }
    }
}

impl<S> tower::Layer<S> for RpcMetricsLayer {
    type Service = RpcMetricsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RpcMetricsService {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

/// The service [`RpcMetricsLayer`] wraps around the gRPC routes.
#[derive(Clone)]
pub struct RpcMetricsService<S> {
    inner: S,
    metrics: Arc<Metrics>,
}

impl<S, B> tower::Service<http::Request<B>> for RpcMetricsService<S>
where
    S: tower::Service<http::Request<B>>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let path = request.uri().path().to_string();
        let started = Instant::now();
        let metrics = self.metrics.clone();
        let response = self.inner.call(request);
        Box::pin(async move {
            let response = response.await;
            metrics.observe_rpc(&path, started.elapsed());
            response
        })
    }
}

/// Binds the metrics endpoint; returns the bound address and the future that serves
/// `GET /metrics` until `shutdown` completes.
pub async fn bind_endpoint(
    address: SocketAddr,
    metrics: Arc<Metrics>,
    broker: Arc<Broker>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, impl Future<Output = ()> + Send + 'static)> {
    let listener = TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    Ok((bound, serve_endpoint(listener, metrics, broker, shutdown)))
}

async fn serve_endpoint(
    listener: TcpListener,
    metrics: Arc<Metrics>,
    broker: Arc<Broker>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let connections = Arc::new(tokio::sync::Semaphore::new(MAX_METRICS_CONNECTIONS));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Back-pressure: stop accepting while every connection slot is busy.
        let permit = tokio::select! {
            _ = &mut shutdown => return,
            permit = connections.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => return,
            },
        };
        let stream = tokio::select! {
            _ = &mut shutdown => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!("metrics endpoint: accept failed: {e}");
                    continue;
                }
            },
        };
        let metrics = metrics.clone();
        let broker = broker.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request: http::Request<_>| {
                let metrics = metrics.clone();
                let broker = broker.clone();
                async move {
                    let response =
                        respond(request.method(), request.uri().path(), &metrics, &broker);
                    Ok::<_, std::convert::Infallible>(response.await)
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let timeout = Duration::from_millis(METRICS_CONNECTION_TIMEOUT_MS);
            // A connection idle past the timeout is simply dropped.
            if let Ok(Err(e)) = tokio::time::timeout(timeout, connection).await {
                tracing::debug!("metrics endpoint: connection ended: {e}");
            }
            drop(permit);
        });
    }
}

async fn respond(
    method: &http::Method,
    path: &str,
    metrics: &Metrics,
    broker: &Broker,
) -> http::Response<http_body_util::Full<bytes::Bytes>> {
    let (status, content_type, body) = match (method, path) {
        (&http::Method::GET, "/metrics") => (
            http::StatusCode::OK,
            OPENMETRICS_CONTENT_TYPE,
            metrics.encode(broker).await,
        ),
        (_, "/metrics") => (
            http::StatusCode::METHOD_NOT_ALLOWED,
            "text/plain",
            "use GET\n".to_string(),
        ),
        _ => (
            http::StatusCode::NOT_FOUND,
            "text/plain",
            "metrics are at /metrics\n".to_string(),
        ),
    };
    let mut response = http::Response::new(http_body_util::Full::new(bytes::Bytes::from(body)));
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::BrokerConfig;
    use crate::storage::RecordLimits;
    use crate::storage::memory::MemoryStorage;

    async fn empty_broker() -> Broker {
        Broker::open(
            Arc::new(MemoryStorage::new(RecordLimits::default())),
            BrokerConfig::default(),
        )
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn rpc_method_labels_are_capped() {
        let metrics = Metrics::new();
        for i in 0..MAX_RPC_METHOD_LABELS + 10 {
            metrics.observe_rpc(&format!("/made.up/Method{i}"), Duration::from_millis(1));
        }
        let text = metrics.encode(&empty_broker().await).await;
        let series = text
            .lines()
            .filter(|l| l.starts_with("flashq_rpc_duration_seconds_count{"))
            .count();
        assert_eq!(series, MAX_RPC_METHOD_LABELS + 1, "the cap plus `other`");
        assert!(text.contains("flashq_rpc_duration_seconds_count{method=\"other\"} 10"));
    }

    #[tokio::test]
    async fn counters_add_up_per_topic() {
        let metrics = Metrics::new();
        metrics.record_in("a", 2, 10);
        metrics.record_in("a", 1, 5);
        metrics.record_out("b", std::iter::empty());
        let text = metrics.encode(&empty_broker().await).await;
        assert!(
            text.contains("flashq_records_in_total{topic=\"a\"} 3"),
            "{text}"
        );
        assert!(
            text.contains("flashq_bytes_in_total{topic=\"a\"} 15"),
            "{text}"
        );
        // Nothing sent makes no series.
        assert!(!text.contains("topic=\"b\""), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }
}
