//! The engine: topics, partitions, produce and fetch, with no networking.
//!
//! The broker owns the topic registry and routes records to partition logs in `crate::storage`.
//! It has its own plain types; gRPC (`crate::server`) translates to and from them.
//! Storage calls run on blocking threads so the async runtime never waits on a disk.
//! Consumer groups and their committed offsets live in [`group`].

pub mod acl;
pub mod group;
pub mod names;
pub mod partition;
pub mod produce;
pub mod producer_ids;
pub mod replica;
pub mod subscription;
pub mod topic;
pub mod topic_admin;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::storage::batch::StoredBatch;
use crate::storage::offset_store::{MemoryOffsetStore, OffsetStore};
use crate::storage::{LogConfig, Record, RecordLimits, Storage, StorageError, StoredRecord};

pub use partition::Partition;
pub use topic::{Topic, TopicConfigUpdate};

/// The most partitions one topic may have.
pub const MAX_PARTITIONS_PER_TOPIC: u32 = 10_000;
/// The longest a fetch may wait for records.
pub const MAX_FETCH_WAIT_MS: u32 = 30_000;
/// Records a fetch returns when the request sets no limit.
pub const DEFAULT_FETCH_MAX_RECORDS: u32 = 10_000;
/// The byte budget of a fetch when the request sets none.
pub const DEFAULT_FETCH_MAX_BYTES: u32 = 4 * 1024 * 1024;
/// The largest byte budget a fetch may ask for.
pub const MAX_FETCH_MAX_BYTES: u32 = 64 * 1024 * 1024;

/// Errors of the engine, each a distinct kind the wire maps to its own status.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    #[error("topic {0:?} does not exist")]
    TopicNotFound(String),
    #[error("topic {topic:?} has no partition {partition} (it has {partitions})")]
    PartitionNotFound {
        topic: String,
        partition: u32,
        partitions: u32,
    },
    #[error("topic {0:?} already exists")]
    TopicExists(String),
    #[error("{0}")]
    InvalidArgument(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("the broker is shutting down")]
    ShuttingDown,
    /// In a cluster: this broker does not lead the partition.
    #[error("this broker does not lead partition {partition}; {}", match .leader { Some(l) => format!("its leader is broker {l}"), None => "it has no leader now".to_string() })]
    NotLeader { partition: u32, leader: Option<u64> },
    /// In a cluster: too few replicas are in sync to acknowledge a write.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A storage error while writing one partition (a full or read-only disk), naming it.
    #[error("topic {topic:?} partition {partition}: {source}")]
    PartitionWrite {
        topic: String,
        partition: u32,
        #[source]
        source: StorageError,
    },
    #[error(transparent)]
    Group(#[from] group::GroupError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// How a broker behaves; every field has a safe default.
#[derive(Debug, Clone)]
pub struct BrokerConfig {
    /// Create a topic on first produce to it.
    pub auto_create_topics: bool,
    /// Partitions of a topic created without a count.
    pub default_partitions: u32,
    /// Log settings of a topic created without its own.
    pub default_log_config: LogConfig,
    pub limits: RecordLimits,
    /// How often closed segments are checked against retention.
    pub retention_check_interval_ms: u64,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        BrokerConfig {
            auto_create_topics: true,
            default_partitions: 1,
            default_log_config: LogConfig::default(),
            limits: RecordLimits::default(),
            retention_check_interval_ms: 5 * 60 * 1000,
        }
    }
}

/// Where a fetch starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartPosition {
    Offset(u64),
    /// The first record at or after this time; the end of the log when none is.
    Timestamp(i64),
    Earliest,
    Latest,
}

/// A fetch request in engine terms.
#[derive(Debug, Clone)]
pub struct FetchRequest {
    pub topic: String,
    pub partition: u32,
    pub start: StartPosition,
    /// At least 1. With `record_batches`: whole batches while the records from the start to a
    /// batch's end number at most this, and at least one batch.
    pub max_records: u32,
    /// At least 1, capped at [`MAX_FETCH_MAX_BYTES`]: whole stored batches while their total
    /// size stays within it, and at least one batch.
    pub max_bytes: u32,
    pub max_wait_ms: u32,
    /// Return whole stored batches in [`FetchResult::batches`] instead of decoded records.
    pub record_batches: bool,
}

/// What a fetch returns.
#[derive(Debug, Clone)]
pub struct FetchResult {
    pub records: Vec<StoredRecord>,
    /// With [`FetchRequest::record_batches`]: whole batches as stored, the first possibly
    /// starting before `start_offset`.
    pub batches: Vec<StoredBatch>,
    /// The resolved start position.
    pub start_offset: u64,
    /// One past the last record returned, or the resolved start when none was.
    pub next_offset: u64,
    pub log_start_offset: u64,
    pub log_end_offset: u64,
}

/// A record to produce, with the partition the producer chose, if any.
#[derive(Debug, Clone)]
pub struct ProduceRecord {
    pub partition: Option<u32>,
    pub record: Record,
}

/// Where one produced record landed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordPosition {
    pub partition: u32,
    pub offset: u64,
}

/// A start position resolved to an offset, with the log's bounds at that moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResolvedOffset {
    pub offset: u64,
    pub log_start_offset: u64,
    pub log_end_offset: u64,
}

/// A partition's offsets and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionState {
    pub partition: u32,
    pub start_offset: u64,
    pub end_offset: u64,
    pub size_bytes: u64,
}

/// A topic's settings and per-partition state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDescription {
    pub name: String,
    pub config: LogConfig,
    pub partitions: Vec<PartitionState>,
}

/// Counts one waiting fetch for as long as it lives (a fetch whose caller left is dropped
/// mid-wait, and uncounted with it).
struct WaitingFetch<'a>(&'a AtomicUsize);

impl<'a> WaitingFetch<'a> {
    fn count_in(counter: &'a AtomicUsize) -> Self {
        counter.fetch_add(1, Ordering::Relaxed);
        WaitingFetch(counter)
    }
}

impl Drop for WaitingFetch<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The broker engine: a registry of topics over a storage backend.
pub struct Broker {
    storage: Arc<dyn Storage>,
    config: BrokerConfig,
    topics: RwLock<BTreeMap<String, Arc<Topic>>>,
    /// Serialises topic creation and deletion so two creators cannot race on one name.
    admin_lock: tokio::sync::Mutex<()>,
    /// Consumer groups and their committed offsets.
    groups: group::GroupCoordinator,
    /// In a cluster: which groups this broker coordinates, and every topic's partition count.
    group_placement: Option<Arc<dyn group::GroupPlacement>>,
    /// In a cluster: where a produce to a topic this broker does not hold goes (set once the
    /// cluster's replica manager exists, which holds the broker: hence weak).
    cluster_topics: std::sync::OnceLock<std::sync::Weak<dyn ClusterTopics>>,
    /// Fetches waiting at the end of a log for records (Kafka's fetch purgatory).
    waiting_fetches: AtomicUsize,
    /// Producer ids reserved and not yet handed out.
    producer_ids: producer_ids::ProducerIdBlock,
}

/// What a broker in a cluster asks the cluster about a topic it holds no copy of (implemented
/// by `crate::cluster`, which `broker` never imports).
pub trait ClusterTopics: Send + Sync {
    /// Makes sure topic `name` exists in the cluster, creating it with the defaults when
    /// auto-creation is on, and that this broker holds a replica of it; a broker without one
    /// answers [`BrokerError::NotLeader`], so clients go to a broker that has it.
    fn ensure_for_produce<'a>(
        &'a self,
        name: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), BrokerError>>;

    /// Reserves `count` producer ids no broker of the cluster has handed out, through the
    /// metadata quorum: returns the first.
    fn reserve_producer_ids(
        &self,
        count: u64,
    ) -> futures::future::BoxFuture<'_, Result<i64, BrokerError>>;
}

/// Checks a topic name against the one rule ([`names`]).
/// A new topic's partition count: 1 to [`MAX_PARTITIONS_PER_TOPIC`], alone or in a cluster.
pub fn check_partition_count(partitions: u32) -> Result<(), BrokerError> {
    if partitions == 0 || partitions > MAX_PARTITIONS_PER_TOPIC {
        return Err(BrokerError::InvalidArgument(format!(
            "partitions must be between 1 and {MAX_PARTITIONS_PER_TOPIC}, got {partitions}"
        )));
    }
    Ok(())
}

pub fn check_topic_name(name: &str) -> Result<(), BrokerError> {
    names::validate_name("topic", name).map_err(BrokerError::InvalidArgument)
}

/// Milliseconds since the Unix epoch by the broker's clock.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Milliseconds on the broker's monotonic clock, counted from 1 at the first call (so 0 can
/// mean "never"). For durations within this process only, such as how long a follower has
/// lagged: a step of the wall clock (NTP, an operator, a VM restored) must neither drop every
/// follower from the ISR nor keep a dead one in it.
pub fn monotonic_ms() -> i64 {
    static ORIGIN: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    ORIGIN
        .get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as i64
        + 1
}

impl Broker {
    /// Opens every topic the backend holds (recovering their logs) on a blocking thread.
    /// Committed group offsets are kept in memory; see [`Broker::open_with_offsets`].
    pub async fn open(
        storage: Arc<dyn Storage>,
        config: BrokerConfig,
    ) -> Result<Broker, BrokerError> {
        Self::open_with_offsets(storage, Arc::new(MemoryOffsetStore::new()), config).await
    }

    /// Like [`Broker::open`], with consumer groups' committed offsets kept in `offsets`.
    pub async fn open_with_offsets(
        storage: Arc<dyn Storage>,
        offsets: Arc<dyn OffsetStore>,
        config: BrokerConfig,
    ) -> Result<Broker, BrokerError> {
        let loader = storage.clone();
        let topics = tokio::task::spawn_blocking(move || -> Result<_, BrokerError> {
            let mut topics = BTreeMap::new();
            for meta in loader.load_topics()? {
                let topic = Topic::open(loader.as_ref(), meta)?;
                topics.insert(topic.name().to_string(), Arc::new(topic));
            }
            Ok(topics)
        })
        .await
        .map_err(|e| BrokerError::Internal(format!("open task failed: {e}")))??;
        Ok(Broker {
            storage,
            config,
            topics: RwLock::new(topics),
            admin_lock: tokio::sync::Mutex::new(()),
            groups: group::GroupCoordinator::new(offsets),
            group_placement: None,
            cluster_topics: std::sync::OnceLock::new(),
            waiting_fetches: AtomicUsize::new(0),
            producer_ids: producer_ids::ProducerIdBlock::default(),
        })
    }

    /// In a cluster: asks `topics` about topics this broker does not hold when they are produced
    /// to. Set once; later calls are ignored.
    pub fn set_cluster_topics(&self, topics: std::sync::Weak<dyn ClusterTopics>) {
        let _ = self.cluster_topics.set(topics);
    }

    /// The broker as a member of a cluster, coordinating the groups `placement` gives it.
    pub fn with_group_placement(mut self, placement: Arc<dyn group::GroupPlacement>) -> Broker {
        self.group_placement = Some(placement);
        self
    }

    pub fn config(&self) -> &BrokerConfig {
        &self.config
    }

    pub fn storage_kind(&self) -> &'static str {
        self.storage.kind()
    }

    /// A topic by name. A name no topic may have is INVALID_ARGUMENT, not "not found": the
    /// client has to fix it, not wait for it to be created.
    pub fn topic(&self, name: &str) -> Result<Arc<Topic>, BrokerError> {
        check_topic_name(name)?;
        self.topics
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
            .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))
    }

    /// Every topic, by name.
    pub fn topics(&self) -> Vec<Arc<Topic>> {
        self.topics
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Creates a topic. `partitions` and `config` default to the broker's.
    pub async fn create_topic(
        &self,
        name: &str,
        partitions: Option<u32>,
        config: TopicConfigUpdate,
    ) -> Result<Arc<Topic>, BrokerError> {
        check_topic_name(name)?;
        let partitions = partitions.unwrap_or(self.config.default_partitions);
        check_partition_count(partitions)?;
        let log_config = config.apply_to(self.config.default_log_config)?;
        let _admin = self.admin_lock.lock().await;
        if self.topic(name).is_ok() {
            return Err(BrokerError::TopicExists(name.to_string()));
        }
        let meta = crate::storage::TopicMeta {
            name: name.to_string(),
            partitions,
            config: log_config,
        };
        let storage = self.storage.clone();
        let topic = tokio::task::spawn_blocking(move || -> Result<Topic, BrokerError> {
            storage.save_topic(&meta)?;
            Topic::open(storage.as_ref(), meta)
        })
        .await
        .map_err(|e| BrokerError::Internal(format!("create task failed: {e}")))??;
        let topic = Arc::new(topic);
        self.topics
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), topic.clone());
        tracing::info!(topic = name, partitions, "created topic");
        Ok(topic)
    }

    /// The topic to produce to, created with defaults when auto-creation is on (in a cluster,
    /// through the controller).
    pub(crate) async fn topic_for_produce(&self, name: &str) -> Result<Arc<Topic>, BrokerError> {
        match self.topic(name) {
            Ok(topic) => Ok(topic),
            Err(BrokerError::TopicNotFound(_)) if self.cluster_topics.get().is_some() => {
                let cluster = self.cluster_topics.get().and_then(std::sync::Weak::upgrade);
                let Some(cluster) = cluster else {
                    return Err(BrokerError::ShuttingDown);
                };
                cluster.ensure_for_produce(name).await?;
                self.topic(name)
            }
            Err(BrokerError::TopicNotFound(_)) if self.config.auto_create_topics => {
                match self
                    .create_topic(name, None, TopicConfigUpdate::default())
                    .await
                {
                    Err(BrokerError::TopicExists(_)) => self.topic(name),
                    other => other,
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Deletes a topic and all its data.
    pub async fn delete_topic(&self, name: &str) -> Result<(), BrokerError> {
        check_topic_name(name)?;
        let _admin = self.admin_lock.lock().await;
        let topic = self
            .topics
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(name)
            .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))?;
        // Before the slow part: fetches and subscriptions waiting on it end now.
        topic.mark_deleted();
        let storage = self.storage.clone();
        let offsets = self.groups.store().clone();
        let name = name.to_string();
        tokio::task::spawn_blocking(move || -> Result<(), BrokerError> {
            // Nothing of a deleted log needs to be durable: no flush, no clean-shutdown marker.
            topic.discard();
            storage.delete_topic(&name)?;
            tracing::info!(topic = name, "deleted topic");
            // A topic created later under this name must not inherit the groups' offsets.
            offsets.delete_topic(&name)?;
            Ok(())
        })
        .await
        .map_err(|e| BrokerError::Internal(format!("delete task failed: {e}")))?
    }

    /// Changes a topic's retention and segment settings.
    pub async fn update_topic_config(
        &self,
        name: &str,
        update: TopicConfigUpdate,
    ) -> Result<TopicDescription, BrokerError> {
        let _admin = self.admin_lock.lock().await;
        let topic = self.topic(name)?;
        let storage = self.storage.clone();
        let updated = topic.clone();
        tokio::task::spawn_blocking(move || updated.update_config(storage.as_ref(), update))
            .await
            .map_err(|e| BrokerError::Internal(format!("config task failed: {e}")))??;
        Ok(topic.describe())
    }

    /// Raises a topic's partition count.
    pub async fn create_partitions(
        &self,
        name: &str,
        total_partitions: u32,
    ) -> Result<TopicDescription, BrokerError> {
        if total_partitions > MAX_PARTITIONS_PER_TOPIC {
            return Err(BrokerError::InvalidArgument(format!(
                "partitions must be at most {MAX_PARTITIONS_PER_TOPIC}, got {total_partitions}"
            )));
        }
        let _admin = self.admin_lock.lock().await;
        let topic = self.topic(name)?;
        let storage = self.storage.clone();
        let grown = topic.clone();
        tokio::task::spawn_blocking(move || {
            grown.grow_partitions(storage.as_ref(), total_partitions)
        })
        .await
        .map_err(|e| BrokerError::Internal(format!("partition task failed: {e}")))??;
        Ok(topic.describe())
    }

    /// Reads from one partition. At the end of the log it waits up to `max_wait_ms` for records,
    /// then returns what it has, possibly nothing.
    pub async fn fetch(&self, request: FetchRequest) -> Result<FetchResult, BrokerError> {
        // A zero limit can only mean a client bug: "at least one batch" would silently break it.
        if request.max_records == 0 || request.max_bytes == 0 {
            return Err(BrokerError::InvalidArgument(format!(
                "max_records and max_bytes must be at least 1 when set, got {} and {}",
                request.max_records, request.max_bytes
            )));
        }
        let topic = self.topic(&request.topic)?;
        let partition = topic.partition(request.partition)?;
        let offset = self.resolve(&partition, request.start).await?;
        let max_wait = Duration::from_millis(request.max_wait_ms.min(MAX_FETCH_WAIT_MS) as u64);
        if offset >= partition.end_offset() && !max_wait.is_zero() {
            let _waiting = WaitingFetch::count_in(&self.waiting_fetches);
            partition.wait_for_records_after(offset, max_wait).await;
        }
        // Deleted while this fetch waited or read: the log is gone, as Kafka ends a waiting
        // fetch whose partition goes away.
        let gone = || BrokerError::TopicNotFound(request.topic.clone());
        if partition.is_deleted() {
            return Err(gone());
        }
        let max_bytes = request.max_bytes.min(MAX_FETCH_MAX_BYTES) as usize;
        let max_records = request.max_records as u64;
        let (records, batches, next_offset) = if request.record_batches {
            let mut batches = match partition.read_batches(offset, max_bytes).await {
                Err(_) if partition.is_deleted() => return Err(gone()),
                read => read?,
            };
            let mut next_offset = offset;
            let mut taken = 0;
            // Whole batches while the records from the start to a batch's end number at most
            // max_records; the first batch always, so a reader makes progress (as with max_bytes).
            for StoredBatch { header, .. } in &batches {
                if taken > 0 && header.next_offset() - offset > max_records {
                    break;
                }
                next_offset = header.next_offset();
                taken += 1;
            }
            batches.truncate(taken);
            (Vec::new(), batches, next_offset)
        } else {
            let mut records = match partition.read(offset, max_bytes).await {
                Err(_) if partition.is_deleted() => return Err(gone()),
                read => read?,
            };
            records.truncate(max_records as usize);
            let next_offset = records.last().map_or(offset, |r| r.offset + 1);
            (records, Vec::new(), next_offset)
        };
        Ok(FetchResult {
            records,
            batches,
            start_offset: offset,
            next_offset,
            log_start_offset: partition.start_offset(),
            log_end_offset: partition.end_offset(),
        })
    }

    /// Fetches waiting at the end of a log for records now.
    pub fn waiting_fetches(&self) -> usize {
        self.waiting_fetches.load(Ordering::Relaxed)
    }

    /// Resolves a start position to an offset in one partition.
    pub async fn list_offset(
        &self,
        topic: &str,
        partition: u32,
        position: StartPosition,
    ) -> Result<ResolvedOffset, BrokerError> {
        let partition = self.topic(topic)?.partition(partition)?;
        let offset = self.resolve(&partition, position).await?;
        Ok(ResolvedOffset {
            offset,
            log_start_offset: partition.start_offset(),
            log_end_offset: partition.end_offset(),
        })
    }

    async fn resolve(
        &self,
        partition: &Partition,
        start: StartPosition,
    ) -> Result<u64, BrokerError> {
        match start {
            StartPosition::Offset(offset) => {
                let (start_offset, end_offset) = (partition.start_offset(), partition.end_offset());
                if offset < start_offset || offset > end_offset {
                    return Err(StorageError::OffsetOutOfRange {
                        offset,
                        start_offset,
                        end_offset,
                    }
                    .into());
                }
                Ok(offset)
            }
            StartPosition::Timestamp(ts) => partition.offset_for_timestamp(ts).await,
            StartPosition::Earliest => Ok(partition.start_offset()),
            StartPosition::Latest => Ok(partition.end_offset()),
        }
    }

    /// One pass of retention over every partition of every topic.
    pub async fn enforce_retention(&self) -> Result<(), BrokerError> {
        for topic in self.topics() {
            let topic = topic.clone();
            tokio::task::spawn_blocking(move || topic.enforce_retention(now_ms()))
                .await
                .map_err(|e| BrokerError::Internal(format!("retention task failed: {e}")))??;
        }
        Ok(())
    }

    /// Runs retention passes until the returned task is aborted.
    pub fn spawn_retention(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let broker = Arc::downgrade(self);
        let interval = Duration::from_millis(self.config.retention_check_interval_ms.max(1));
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let Some(broker) = broker.upgrade() else {
                    return;
                };
                if let Err(e) = broker.enforce_retention().await {
                    tracing::warn!(error = %e, "retention pass failed");
                }
            }
        })
    }

    /// Flushes and closes every log, marking a clean shutdown.
    pub async fn close(&self) -> Result<(), BrokerError> {
        let topics = self.topics();
        let offsets = self.groups.store().clone();
        tokio::task::spawn_blocking(move || -> Result<(), BrokerError> {
            for topic in topics {
                topic.close()?;
            }
            offsets.close()?;
            Ok(())
        })
        .await
        .map_err(|e| BrokerError::Internal(format!("close task failed: {e}")))?
    }
}
