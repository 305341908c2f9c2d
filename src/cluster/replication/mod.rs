//! Partition replication: this broker's partitions follow the metadata's assignments.
//!
//! [`Replication`] watches the applied metadata and, for every partition this broker holds,
//! makes it the leader (in the assigned leader epoch) or a follower; each follower runs a fetch
//! loop against its leader's cluster listener, truncating first when its log diverged. Leaders
//! ask the controller to shrink the ISR when a follower lags and to expand it when one catches
//! up. Leader-epoch histories are kept across restarts in `<cluster dir>/leader-epochs.json`.
//!
//! Damage: a partition whose local copy is damaged ([`crate::broker::partition::Partition::damaged_from`]:
//! a bad batch found at open or by a read, or records whose epoch history was lost) leaves the
//! ISR through the controller, a leader handing over to an in-sync peer; then, as a follower, it
//! truncates to before the damage and copies the rest back from its leader. It never serves the
//! damaged records meanwhile: reads reaching them fail.
//!
//! One concern per file: this one starts and stops [`Replication`] and runs its loop;
//! `reconciler` moves partitions into their roles, keeps the ISR and hands damaged ones over;
//! `follower` runs a follower's fetch sessions (one per leader, carrying every partition followed there); `epochs` keeps the leader-epoch histories; `throttle` paces the copies that moves make; `topics`
//! makes topic changes through the metadata quorum (the cluster's `TopicAdmin` and
//! `ClusterTopics`).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::broker::replica::EpochStart;
use crate::broker::{Broker, ClusterTopics};
use crate::storage::StorageError;
use crate::storage::journal::Magic;

use super::ClusterError;
use super::node::ClusterNode;
use super::state::NodeId;

/// The leader-epoch histories file in the cluster dir.
pub const EPOCHS_FILE: &str = "leader-epochs.json";
/// Magic opening the leader-epoch histories file, format 1: one frame, the histories as JSON
/// (format 0 was that JSON alone).
const EPOCHS_MAGIC: &Magic = b"FQLEPCH1";
/// Bytes a follower asks for per fetch.
const REPLICA_FETCH_MAX_BYTES: u32 = 4 * 1024 * 1024;
/// How long a follower's fetch waits at the leader's log end.
const REPLICA_FETCH_WAIT_MS: u32 = 500;
/// How long past its wait a follower's fetch may go unanswered before the follower reconnects.
const REPLICA_FETCH_ANSWER_GRACE_MS: u64 = 1_000;
/// How long a follower waits before fetching again after a failed fetch.
const REPLICA_RETRY_MS: u64 = 200;

/// Replication settings.
#[derive(Debug, Clone, Copy)]
pub struct ReplicationConfig {
    /// `acks=all` needs this many in-sync replicas (capped at the replication factor).
    pub min_insync_replicas: u32,
    /// A follower not caught up for this long leaves the ISR.
    pub replica_lag_max_ms: u64,
    /// Replicas of topics created without a replication factor (capped at the live brokers).
    pub default_replication_factor: u32,
    /// Create a topic (with the broker's defaults) on the first produce to it.
    pub auto_create_topics: bool,
}

impl Default for ReplicationConfig {
    fn default() -> Self {
        ReplicationConfig {
            min_insync_replicas: 2,
            replica_lag_max_ms: 5_000,
            default_replication_factor: 3,
            auto_create_topics: true,
        }
    }
}

type PartitionKey = (String, u32);

/// The longest the reconciler goes without walking every partition into its role, though
/// nothing it watches changed.
const RECONCILE_FULL_PASS_MS: u64 = 10_000;

/// How long a topic change waits for this broker's own copy to show it.
const TOPIC_CHANGE_WAIT_MS: u64 = 5_000;

/// Moves this broker's partitions into the roles the metadata assigns.
pub struct Replication {
    node: Arc<ClusterNode>,
    broker: Arc<Broker>,
    config: ReplicationConfig,
    /// The follower fetch sessions, one per leader (and throttled or not), and the partitions
    /// each copies.
    followers: Mutex<FetchSessions>,
    epochs_path: Option<PathBuf>,
    /// What the epochs file holds; `None` until it holds the current format.
    saved_epochs: Mutex<Option<BTreeMap<String, Vec<EpochStart>>>>,
    /// The last save failed, or the file wants rewriting: the next pass saves.
    epochs_unsaved: AtomicBool,
    /// Local partitions at the last pass, to notice partitions that went away.
    epochs_partitions: AtomicUsize,
    /// Per damaged partition this broker leads, the epoch and ISR of its last request to hand
    /// the leadership over, so it asks again only when either changed.
    handover_asked: Mutex<HashMap<PartitionKey, (u64, Vec<NodeId>)>>,
    /// Paces the copying of replicas that moves add.
    move_throttle: MoveThrottle,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

mod epochs;
mod follower;
mod reconciler;
mod throttle;
mod topics;

use epochs::{epochs_key, read_epochs};
use follower::{FetchSessions, SessionKey};
use throttle::MoveThrottle;
use topics::replacing;

impl Replication {
    /// Makes every local partition a follower with no known leader (so nothing is written
    /// before the metadata says who leads), restores the epoch histories, and starts following
    /// the metadata once this broker's registration is applied.
    pub async fn start(
        node: Arc<ClusterNode>,
        broker: Arc<Broker>,
        config: ReplicationConfig,
    ) -> Result<Arc<Replication>, ClusterError> {
        let epochs_path = node.config().dir.as_ref().map(|d| d.join(EPOCHS_FILE));
        let read = match epochs_path.clone() {
            Some(path) => tokio::task::spawn_blocking(move || read_epochs(&path))
                .await
                .map_err(|e| ClusterError::Storage(format!("reading leader epochs: {e}")))?,
            None => Ok(None),
        };
        // Without its history a replica cannot tell which of its records a new leader
        // overwrote, so a damaged file costs every local copy: each is truncated and copied
        // back from its leader, as damaged records are (the last in-sync replica of a
        // partition keeps its copy and leads with it: nobody has a better one).
        let (saved, rewrite) = match read {
            Ok(Some((histories, legacy))) => (histories, legacy),
            Ok(None) => (BTreeMap::new(), false),
            Err(e @ StorageError::Corrupt { .. }) => {
                tracing::error!(error = %e, "damaged leader-epoch histories: every local partition will be copied back from its leader; the file is rewritten");
                for topic in broker.topics() {
                    for partition in topic.partitions() {
                        partition.distrust_from(partition.start_offset());
                    }
                }
                (BTreeMap::new(), true)
            }
            Err(e) => return Err(ClusterError::Storage(e.to_string())),
        };
        for topic in broker.topics() {
            for partition in topic.partitions() {
                partition.become_follower(None, 0);
                partition.hide_unconfirmed();
                if let Some(epochs) = saved.get(&epochs_key(&topic.name(), partition.id)) {
                    partition.set_epochs(epochs.clone());
                }
            }
        }
        // Format 0 and damaged files are rewritten by the first save.
        let saved = (!rewrite).then_some(saved);
        let manager = Arc::new(Replication {
            node,
            broker,
            config,
            followers: Mutex::new(FetchSessions::default()),
            epochs_path,
            epochs_unsaved: AtomicBool::new(saved.is_none()),
            saved_epochs: Mutex::new(saved),
            epochs_partitions: AtomicUsize::new(0),
            handover_asked: Mutex::new(HashMap::new()),
            move_throttle: MoveThrottle::new(),
            task: Mutex::new(None),
        });
        let weak: std::sync::Weak<dyn ClusterTopics> = Arc::downgrade(&manager) as _;
        manager.broker.set_cluster_topics(weak);
        let task = tokio::spawn(run(Arc::downgrade(&manager)));
        *manager.task.lock().unwrap_or_else(|e| e.into_inner()) = Some(task);
        Ok(manager)
    }

    pub fn config(&self) -> &ReplicationConfig {
        &self.config
    }

    /// Stops the reconcile loop and every follower.
    pub fn shutdown(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
        self.followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stop_all();
    }
}

/// The reconcile loop, after this broker's registration is applied. Every heartbeat interval
/// (and on every metadata change) it keeps the ISR and saves the epoch histories; it walks every
/// partition into its role only when that can have changed: the topics or assignments did, this
/// broker's session lapsed or was renewed, the last walk left something undone, or
/// [`RECONCILE_FULL_PASS_MS`] went by. With thousands of partitions a walk on every committed
/// heartbeat was most of an idle broker's work.
async fn run(manager: Weak<Replication>) {
    let Some(this) = manager.upgrade() else {
        return;
    };
    this.node.wait_registered().await;
    let mut version = this.node.view().subscribe();
    let mut placement = this.node.view().subscribe_placement();
    let interval = Duration::from_millis(this.node.config().heartbeat_interval_ms);
    drop(this);
    let mut walked: Option<(bool, std::time::Instant)> = None;
    loop {
        let Some(this) = manager.upgrade() else {
            return;
        };
        let session_lapsed = this.node.session_lapsed();
        let due = placement.has_changed().unwrap_or(true)
            || walked.is_none_or(|(lapsed, at)| {
                lapsed != session_lapsed
                    || at.elapsed() >= Duration::from_millis(RECONCILE_FULL_PASS_MS)
            });
        if due {
            placement.mark_unchanged();
            let settled = this.reconcile().await;
            // Unsettled: walked again on the next round.
            walked = settled.then(|| (session_lapsed, std::time::Instant::now()));
        }
        this.maintain_isr().await;
        this.save_epochs().await;
        drop(this);
        let _ = tokio::time::timeout(interval, version.changed()).await;
    }
}
