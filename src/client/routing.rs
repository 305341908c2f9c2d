//! Finding partition leaders from the client: a cache of the cluster's metadata, refreshed only
//! when it proves stale, and one pooled connection per broker.
//!
//! Outside a cluster (`clustered=false`) the router asks for metadata once and then hands out the
//! client it was built from: requests take the plain path with no routing work.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use super::cluster::LeaderLookup;
use super::{
    BrokerTarget, Client, ClientError, ClusterMetadata, NOT_LEADER_KEY, Result, answered_within,
};

/// Metadata is fetched at most this often, however many requests find it stale.
pub const METADATA_REFRESH_MIN_INTERVAL_MS: u64 = 100;
/// How long routed requests keep retrying through a leader change.
pub const ROUTED_RETRY_MS: u64 = 15_000;
/// Pause between retries of a routed request, on top of the metadata refresh interval.
pub const ROUTED_BACKOFF_MS: u64 = 200;
/// How long a question about the cluster (metadata, a group's coordinator) may go unanswered
/// before the next broker is asked: the answer is read from the broker's memory, so a broker
/// that takes this long is paused or cut off, and waiting on it would stall every request
/// behind the refresh.
pub const METADATA_REQUEST_TIMEOUT_MS: u64 = 2_000;

/// Whether a failed request should go to the partition's leader as fresh metadata names it: the
/// broker does not lead the partition, or the connection to it broke.
pub fn must_reroute(error: &ClientError) -> bool {
    error.is_not_leader() || error.is_connection_failure()
}

/// The NOT_LEADER answer for a partition the metadata names no reachable leader for, shaped like
/// the broker's own so callers treat both alike.
fn no_leader(topic: &str, partition: u32) -> ClientError {
    let mut status = tonic::Status::failed_precondition(format!(
        "partition {partition} of topic {topic:?} has no leader in the cluster metadata"
    ));
    status.metadata_mut().insert(
        NOT_LEADER_KEY,
        tonic::metadata::MetadataValue::from_static("none"),
    );
    ClientError::Status(status)
}

/// The NOT_LEADER answer for a request abandoned at `address` because the metadata names
/// another leader of the partition now, shaped like the broker's own.
pub fn leader_moved(topic: &str, partition: u32, address: &str, leader: u64) -> ClientError {
    let mut status = tonic::Status::failed_precondition(format!(
        "partition {partition} of topic {topic:?} is now led by broker {leader}; the request to {address} went unanswered"
    ));
    if let Ok(value) = leader.to_string().parse() {
        status.metadata_mut().insert(NOT_LEADER_KEY, value);
    }
    ClientError::Status(status)
}

/// One connected client per broker address, made on first use and reused; a client whose
/// connection broke is forgotten so the next use connects afresh.
pub struct BrokerPool {
    /// How the first client connected (token, TLS): every other broker is reached alike.
    target: BrokerTarget,
    clients: Mutex<HashMap<String, Client>>,
}

impl BrokerPool {
    /// A pool that starts with `seed`, the client the user connected.
    pub fn new(seed: &Client) -> BrokerPool {
        let mut clients = HashMap::new();
        clients.insert(seed.address.clone(), seed.clone());
        BrokerPool {
            target: seed.target.clone(),
            clients: Mutex::new(clients),
        }
    }

    /// The client for the broker at `address`, connecting when there is none yet.
    pub async fn client(&self, address: &str) -> Result<Client> {
        if let Some(client) = self.lock().get(address) {
            return Ok(client.clone());
        }
        // Connect without holding the lock: a dead broker's connect timeout must not hold up
        // requests to the live ones.
        let client = self.target.at(address).connect().await?;
        Ok(self
            .lock()
            .entry(address.to_string())
            .or_insert(client)
            .clone())
    }

    /// Drops the client for `address` after its connection broke.
    pub fn forget(&self, address: &str) {
        self.lock().remove(address);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Client>> {
        // A panic while holding the lock leaves the map valid (inserts and removes are whole).
        self.clients.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The cluster metadata a router currently trusts, numbered so that concurrent requests that
/// all saw it stale cause one refresh, not one each.
#[derive(Clone)]
pub struct MetadataView {
    pub metadata: Arc<ClusterMetadata>,
    /// Grows by one with every refresh.
    pub generation: u64,
}

/// The state behind [`ClusterRouter::refresh`].
struct MetadataCache {
    view: MetadataView,
    fetched_at: Instant,
    /// Broker addresses to ask for metadata, the one that answered last first.
    ask_order: Vec<String>,
}

/// Routes requests for partitions to their leaders: metadata fetched once and refreshed when a
/// broker says it does not lead, a connection breaks, or a topic or partition is unknown.
pub struct ClusterRouter {
    seed: Client,
    pool: BrokerPool,
    clustered: bool,
    cache: tokio::sync::Mutex<MetadataCache>,
    /// A copy of the cache's view, readable without waiting for a refresh in progress.
    current: Mutex<MetadataView>,
}

impl ClusterRouter {
    /// Asks `seed` for the cluster's metadata. A broker that cannot say (an older one) is taken
    /// for a single broker; one that cannot be reached is an error.
    pub async fn new(seed: Client) -> Result<ClusterRouter> {
        let asked = answered_within(
            &seed.address,
            METADATA_REQUEST_TIMEOUT_MS,
            "a metadata request",
            seed.metadata(),
        );
        let metadata = match asked.await {
            Ok(metadata) => metadata,
            Err(e) if e.is_connection_failure() => return Err(e),
            Err(_) => ClusterMetadata::single_broker(),
        };
        let view = MetadataView {
            metadata: Arc::new(metadata),
            generation: 0,
        };
        let mut ask_order = vec![seed.address.clone()];
        extend_ask_order(&mut ask_order, &view.metadata);
        Ok(ClusterRouter {
            pool: BrokerPool::new(&seed),
            clustered: view.metadata.clustered,
            current: Mutex::new(view.clone()),
            cache: tokio::sync::Mutex::new(MetadataCache {
                view,
                fetched_at: Instant::now(),
                ask_order,
            }),
            seed,
        })
    }

    /// Whether the brokers form a cluster; when not, every request goes to [`Self::seed`].
    pub fn clustered(&self) -> bool {
        self.clustered
    }

    /// The client the user connected.
    pub fn seed(&self) -> &Client {
        &self.seed
    }

    /// The metadata as last fetched.
    pub fn view(&self) -> MetadataView {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Fresh metadata, unless someone refreshed since `seen` was current (then theirs). Waits
    /// out [`METADATA_REFRESH_MIN_INTERVAL_MS`] since the last fetch; asks the broker that
    /// answered last, then each other known broker in turn while they cannot be reached.
    pub async fn refresh(&self, seen: &MetadataView) -> Result<MetadataView> {
        let mut cache = self.cache.lock().await;
        if cache.view.generation > seen.generation {
            return Ok(cache.view.clone());
        }
        let due = cache.fetched_at + Duration::from_millis(METADATA_REFRESH_MIN_INTERVAL_MS);
        tokio::time::sleep_until(due).await;
        let ask_order = cache.ask_order.clone();
        // A broker whose session lapsed may still name itself leader of partitions the cluster
        // has moved on from: its answer is taken only when no other broker answers.
        let answer = self
            .first_answer(
                &ask_order,
                |client| async move { client.metadata().await },
                |metadata| !metadata.session_lapsed,
            )
            .await;
        match answer {
            Ok((answered, metadata)) => {
                cache.ask_order.rotate_left(answered);
                extend_ask_order(&mut cache.ask_order, &metadata);
                cache.view = MetadataView {
                    metadata: Arc::new(metadata),
                    generation: cache.view.generation + 1,
                };
                cache.fetched_at = Instant::now();
                *self.current.lock().unwrap_or_else(|e| e.into_inner()) = cache.view.clone();
                Ok(cache.view.clone())
            }
            Err(e) => {
                if e.is_connection_failure() {
                    cache.fetched_at = Instant::now();
                }
                Err(e)
            }
        }
    }

    /// Puts `ask` to the brokers in the order metadata is asked (the one that answered last,
    /// then every other known broker, live ones first) until one answers.
    pub async fn ask_any<T, Fut>(&self, ask: impl Fn(Client) -> Fut) -> Result<T>
    where
        Fut: std::future::Future<Output = Result<T>>,
    {
        let ask_order = self.cache.lock().await.ask_order.clone();
        Ok(self.first_answer(&ask_order, ask, |_| true).await?.1)
    }

    /// The first answer to `ask` from the brokers at `ask_order` that `trusted` accepts, with
    /// the answering broker's index; when none is trusted, the first untrusted one. A broker that
    /// cannot be reached, or does not answer within [`METADATA_REQUEST_TIMEOUT_MS`], is skipped
    /// (and its pooled client forgotten); any other error is the answer.
    async fn first_answer<T, Fut>(
        &self,
        ask_order: &[String],
        ask: impl Fn(Client) -> Fut,
        trusted: impl Fn(&T) -> bool,
    ) -> Result<(usize, T)>
    where
        Fut: std::future::Future<Output = Result<T>>,
    {
        let mut last_error = None;
        let mut untrusted = None;
        for (index, address) in ask_order.iter().enumerate() {
            let answer = match self.pool.client(address).await {
                Ok(client) => {
                    answered_within(
                        address,
                        METADATA_REQUEST_TIMEOUT_MS,
                        "a question about the cluster",
                        ask(client),
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            match answer {
                Ok(answer) if trusted(&answer) => return Ok((index, answer)),
                Ok(answer) => {
                    untrusted.get_or_insert((index, answer));
                }
                Err(e) if e.is_connection_failure() => {
                    self.pool.forget(address);
                    last_error = Some(e);
                }
                Err(e) => return Err(e),
            }
        }
        if let Some(answer) = untrusted {
            return Ok(answer);
        }
        Err(last_error.unwrap_or_else(|| ClientError::Unreachable {
            address: "the cluster".to_string(),
            reason: "no broker address known to ask for metadata".to_string(),
        }))
    }

    /// The pooled client for the broker at `address`.
    pub async fn client_at(&self, address: &str) -> Result<Client> {
        self.pool.client(address).await
    }

    /// The client for the leader of `partition` as `view` names it. A topic or partition the
    /// metadata does not know goes to the seed broker, whose answer (NOT_FOUND) is the user's;
    /// a partition without a live leader is a NOT_LEADER error, to retry after a refresh.
    pub async fn leader_client(
        &self,
        view: &MetadataView,
        topic: &str,
        partition: u32,
    ) -> Result<Client> {
        if !self.clustered {
            return Ok(self.seed.clone());
        }
        match view.metadata.leader_of(topic, partition) {
            LeaderLookup::Leader(leader) => self.pool.client(&leader.address).await,
            LeaderLookup::UnknownPartition => Ok(self.seed.clone()),
            LeaderLookup::NoLeader => Err(no_leader(topic, partition)),
        }
    }

    /// How many partitions `topic` has: from the metadata in a cluster (refreshed once when the
    /// topic is not in it yet), else as the broker describes it. A topic the cluster does not
    /// know is described by the seed broker, whose answer (NOT_FOUND) is the user's.
    pub async fn partition_count(&self, topic: &str) -> Result<u32> {
        if self.clustered {
            let mut view = self.view();
            if partition_count(&view.metadata, topic).is_none() {
                view = self.refresh(&view).await?;
            }
            if let Some(count) = partition_count(&view.metadata, topic) {
                return Ok(count);
            }
        }
        Ok(self.seed.describe_topic(topic).await?.partitions)
    }

    /// Forgets the pooled client for `address` after its connection broke.
    pub fn forget(&self, address: &str) {
        self.pool.forget(address);
    }
}

/// Adds the brokers `metadata` names to the addresses to ask, live ones first.
fn extend_ask_order(ask_order: &mut Vec<String>, metadata: &ClusterMetadata) {
    let mut brokers: Vec<_> = metadata.brokers.iter().collect();
    brokers.sort_by_key(|b| !b.alive);
    for broker in brokers {
        if !ask_order.contains(&broker.address) {
            ask_order.push(broker.address.clone());
        }
    }
}

/// How many partitions `topic` has in `metadata`; `None` when the metadata does not know it.
pub fn partition_count(metadata: &ClusterMetadata, topic: &str) -> Option<u32> {
    let count = metadata
        .partitions
        .iter()
        .filter(|p| p.topic == topic)
        .count();
    (count > 0).then_some(count as u32)
}

/// Retries an operation on a partition's leader through leader changes: see
/// [`ClusterRouter`]. One per partition being read or written.
pub struct LeaderRetry {
    /// How long after the first failure retrying goes on; `None`: for as long as it takes.
    window: Option<Duration>,
    deadline: Option<Instant>,
}

impl LeaderRetry {
    /// Retries for up to [`ROUTED_RETRY_MS`] after a failure.
    pub fn new() -> LeaderRetry {
        LeaderRetry::within(Some(Duration::from_millis(ROUTED_RETRY_MS)))
    }

    /// Retries for up to `window` after a failure; `None` retries until a leader answers.
    pub fn within(window: Option<Duration>) -> LeaderRetry {
        LeaderRetry {
            window,
            deadline: None,
        }
    }

    /// After a failed request: whether to retry, with `view` refreshed, once the backoff has
    /// passed. The retry window opens at the first failure since the last success.
    pub async fn should_retry(&mut self, router: &ClusterRouter, view: &mut MetadataView) -> bool {
        if !router.clustered() {
            return false;
        }
        let now = Instant::now();
        let window = self.window;
        let deadline = *self
            .deadline
            .get_or_insert_with(|| window.map(|w| now + w).unwrap_or(now));
        if window.is_some() && now >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(ROUTED_BACKOFF_MS)).await;
        // A refresh that fails (every broker unreachable for now) is retried on the next turn.
        if let Ok(fresh) = router.refresh(view).await {
            *view = fresh;
        }
        true
    }

    /// Closes the retry window after a success.
    pub fn succeeded(&mut self) {
        self.deadline = None;
    }
}

impl Default for LeaderRetry {
    fn default() -> Self {
        LeaderRetry::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{BrokerInfo, PartitionPlacement};

    fn broker(id: u64, alive: bool) -> BrokerInfo {
        BrokerInfo {
            id,
            address: format!("http://127.0.0.1:{}", 50050 + id),
            cluster_address: String::new(),
            role: "voter".to_string(),
            decommissioning: false,
            alive,
            fenced: !alive,
            last_heartbeat_ms: 0,
            last_heartbeat_age_ms: 0,
            registration_epoch: 1,
        }
    }

    fn three_partitions() -> ClusterMetadata {
        let placement = |partition, leader| PartitionPlacement {
            topic: "t".to_string(),
            partition,
            leader,
            leader_epoch: 0,
            replicas: vec![1, 2, 3],
            isr: vec![1, 2, 3],
            target_replicas: Vec::new(),
            throttle_bytes_per_s: 0,
        };
        ClusterMetadata {
            clustered: true,
            brokers: vec![broker(1, true), broker(2, false), broker(3, true)],
            partitions: vec![
                placement(0, Some(3)),
                placement(1, None),
                placement(2, Some(9)),
            ],
            ..ClusterMetadata::single_broker()
        }
    }

    #[test]
    fn each_partition_goes_to_the_leader_the_metadata_names() {
        let metadata = three_partitions();
        match metadata.leader_of("t", 0) {
            LeaderLookup::Leader(leader) => assert_eq!(leader.id, 3),
            other => panic!("{other:?}"),
        }
        // Offline, or led by a broker not listed: retry after a refresh.
        assert_eq!(metadata.leader_of("t", 1), LeaderLookup::NoLeader);
        assert_eq!(metadata.leader_of("t", 2), LeaderLookup::NoLeader);
        // Unknown: the seed broker answers for it.
        assert_eq!(metadata.leader_of("t", 3), LeaderLookup::UnknownPartition);
        assert_eq!(metadata.leader_of("u", 0), LeaderLookup::UnknownPartition);
        assert_eq!(partition_count(&metadata, "t"), Some(3));
        assert_eq!(partition_count(&metadata, "u"), None);
    }

    #[test]
    fn metadata_is_asked_of_live_brokers_before_dead_ones() {
        let mut ask_order = vec!["http://seed:1".to_string()];
        extend_ask_order(&mut ask_order, &three_partitions());
        assert_eq!(
            ask_order,
            [
                "http://seed:1",
                "http://127.0.0.1:50051",
                "http://127.0.0.1:50053",
                "http://127.0.0.1:50052"
            ]
        );
    }

    #[test]
    fn the_no_leader_error_is_a_not_leader_error() {
        let error = no_leader("t", 2);
        assert!(error.is_not_leader());
        assert!(must_reroute(&error));
        assert_eq!(
            error.code(),
            Some(crate::client::StatusCode::FailedPrecondition)
        );
    }
}
