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

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crate::broker::partition::ReplicaRecords;
use crate::broker::replica::{EpochStart, LeaderState, ReplicaRole};
use crate::broker::topic_admin::{TopicAdmin, TopicView};
use crate::broker::{Broker, BrokerError, ClusterTopics, TopicConfigUpdate, monotonic_ms};
use crate::storage::batch::{BatchHeader, StoredBatch};
use crate::storage::journal::{self, Frame, FramedFile, Magic};
use crate::storage::{LogConfig, StorageError};
use crate::wire::v1 as pb;

use super::ClusterError;
use super::network::{PeerClient, peer_client};
use super::node::ClusterNode;
use super::state::{MetaCommand, MetaResponse, NodeId, TopicRecord};

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

/// How long a topic change waits for this broker's own copy to show it.
const TOPIC_CHANGE_WAIT_MS: u64 = 5_000;

/// Moves this broker's partitions into the roles the metadata assigns.
pub struct Replication {
    node: Arc<ClusterNode>,
    broker: Arc<Broker>,
    config: ReplicationConfig,
    /// Running follower fetch loops, by partition, with the epoch each follows.
    followers: Mutex<HashMap<PartitionKey, (u64, tokio::task::JoinHandle<()>)>>,
    epochs_path: Option<PathBuf>,
    /// What the epochs file holds; `None` until it holds the current format.
    saved_epochs: Mutex<Option<BTreeMap<String, Vec<EpochStart>>>>,
    /// Per damaged partition this broker leads, the epoch and ISR of its last request to hand
    /// the leadership over, so it asks again only when either changed.
    handover_asked: Mutex<HashMap<PartitionKey, (u64, Vec<NodeId>)>>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// Reads the leader-epoch histories at `path`: `Ok(None)` when there is no file, and whether
/// it is in format 0 (to be rewritten). Damage is [`StorageError::Corrupt`] naming the byte.
fn read_epochs(path: &std::path::Path) -> crate::storage::Result<Option<(EpochHistories, bool)>> {
    let Some(bytes) = journal::read_if_exists(path)? else {
        return Ok(None);
    };
    if !journal::has_magic(&bytes, EPOCHS_MAGIC) {
        let histories = super::read_legacy_json(path, &bytes, "leader-epoch histories")?;
        return Ok(Some((histories, true)));
    }
    let file = FramedFile::parse(path, bytes, EPOCHS_MAGIC)?;
    let (position, payload) = file.only_frame("leader-epoch histories")?;
    let histories = serde_json::from_slice(payload)
        .map_err(|e| file.corrupt(position, format!("not leader-epoch histories: {e}")))?;
    Ok(Some((histories, false)))
}

/// Replaces the leader-epoch histories at `path` crash-safely, in format 1.
fn write_epochs(path: &std::path::Path, histories: &EpochHistories) -> crate::storage::Result<()> {
    let payload = serde_json::to_vec(histories).map_err(|e| {
        StorageError::io(
            "encoding leader epochs",
            std::io::Error::other(e.to_string()),
        )
    })?;
    journal::write_whole(path, EPOCHS_MAGIC, &[Frame::new(&payload)?])
}

/// Every local partition's leader-epoch history, by `topic/partition`.
type EpochHistories = BTreeMap<String, Vec<EpochStart>>;

fn epochs_key(topic: &str, partition: u32) -> String {
    format!("{topic}/{partition}")
}

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
            followers: Mutex::new(HashMap::new()),
            epochs_path,
            saved_epochs: Mutex::new(saved),
            handover_asked: Mutex::new(HashMap::new()),
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

    /// Every topic of the cluster, by name.
    pub fn topic_names(&self) -> Vec<String> {
        self.node
            .view()
            .with(|s| s.topics.keys().cloned().collect())
    }

    /// A topic as the metadata applied here knows it.
    pub fn topic_record(&self, name: &str) -> Option<TopicRecord> {
        self.node.view().with(|s| s.topics.get(name).cloned())
    }

    /// Creates a topic through the controller, then waits until this broker holds it (when it
    /// is one of its replicas).
    pub async fn create_topic(
        &self,
        name: &str,
        partitions: u32,
        replication_factor: Option<u32>,
        config: LogConfig,
    ) -> Result<(), ClusterError> {
        let live = self
            .node
            .view()
            .with(|s| s.brokers.values().filter(|b| !b.fenced).count() as u32);
        let replication_factor = replication_factor
            .unwrap_or_else(|| self.config.default_replication_factor.min(live.max(1)));
        let command = MetaCommand::CreateTopic {
            name: name.to_string(),
            partitions,
            replication_factor,
            config,
        };
        let me = self.node.id();
        self.propose_topic_change(command, || {
            let hosted = self
                .broker
                .topic(name)
                .is_ok_and(|t| t.partition_count() >= partitions);
            let replica_here = self.node.view().with(|s| {
                s.topics
                    .get(name)
                    .map(|t| t.partitions.iter().any(|p| p.replicas.contains(&me)))
            });
            hosted || replica_here == Some(false)
        })
        .await
    }

    /// Changes a topic's settings through the controller, then waits until this broker's copy
    /// (if it holds one) has them.
    pub async fn update_topic_config(
        &self,
        name: &str,
        config: LogConfig,
    ) -> Result<(), ClusterError> {
        let command = MetaCommand::UpdateTopicConfig {
            name: name.to_string(),
            config,
        };
        self.propose_topic_change(command, || {
            self.broker
                .topic(name)
                .map_or(true, |t| t.config() == config)
        })
        .await
    }

    /// Grows a topic to `total` partitions through the controller, then waits until this
    /// broker's copy (if it holds one) has them.
    pub async fn create_partitions(&self, name: &str, total: u32) -> Result<(), ClusterError> {
        let command = MetaCommand::CreatePartitions {
            name: name.to_string(),
            total,
        };
        self.propose_topic_change(command, || {
            self.broker
                .topic(name)
                .map_or(true, |t| t.partition_count() >= total)
        })
        .await
    }

    /// Deletes a topic through the controller; every replica deletes its copy when it applies
    /// the deletion. Waits until this broker's copy is gone.
    pub async fn delete_topic(&self, name: &str) -> Result<(), ClusterError> {
        let command = MetaCommand::DeleteTopic {
            name: name.to_string(),
        };
        self.propose_topic_change(command, || self.broker.topic(name).is_err())
            .await
    }

    /// Proposes a topic change, then waits until `applied_here` says this broker's copy shows
    /// it (the reconcile loop applies it right after the metadata changes), for at most
    /// [`TOPIC_CHANGE_WAIT_MS`]: a slow local apply does not fail a change the cluster made.
    async fn propose_topic_change(
        &self,
        command: MetaCommand,
        applied_here: impl Fn() -> bool,
    ) -> Result<(), ClusterError> {
        let timeout = Duration::from_millis(super::node::PROPOSE_TIMEOUT_MS);
        if let MetaResponse::Rejected(reason) = self.node.propose(command, timeout).await? {
            return Err(ClusterError::Rejected(reason));
        }
        let deadline = tokio::time::Instant::now() + Duration::from_millis(TOPIC_CHANGE_WAIT_MS);
        while !applied_here() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Ok(())
    }

    /// Stops the reconcile loop and every follower.
    pub fn shutdown(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|e| e.into_inner()).take() {
            task.abort();
        }
        for (_, (_, task)) in self
            .followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain()
        {
            task.abort();
        }
    }

    /// One pass: local topics and roles as the metadata says.
    async fn reconcile(self: &Arc<Self>) {
        let me = self.node.id();
        let session_lapsed = self.node.session_lapsed();
        // Only topics: cloning the groups' offsets on every commit would be waste.
        let (deleted_topics, topics) = self
            .node
            .view()
            .with(|s| (s.deleted_topics.clone(), s.topics.clone()));
        for name in &deleted_topics {
            if self.broker.topic(name).is_err() {
                continue;
            }
            self.followers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|(topic, _), (_, task)| {
                    let keep = topic != name;
                    if !keep {
                        task.abort();
                    }
                    keep
                });
            match self.broker.delete_topic(name).await {
                Ok(()) | Err(BrokerError::TopicNotFound(_)) => {}
                Err(e) => {
                    tracing::warn!(topic = name, error = %e, "cannot delete the local replica")
                }
            }
        }
        for topic in topics.values() {
            if !topic.partitions.iter().any(|p| p.replicas.contains(&me)) {
                continue;
            }
            if let Err(e) = self.ensure_local_topic(topic).await {
                tracing::warn!(topic = topic.name, error = %e, "cannot create the local replica");
                continue;
            }
            let Ok(local) = self.broker.topic(&topic.name) else {
                continue;
            };
            for (index, assignment) in topic.partitions.iter().enumerate() {
                let Ok(partition) = local.partition(index as u32) else {
                    continue;
                };
                let key = (topic.name.clone(), index as u32);
                let replica_here = assignment.replicas.contains(&me);
                if assignment.leader == Some(me) && session_lapsed {
                    // The controller may be fencing this broker and handing its partitions to
                    // others: stop acknowledging now, lead again once a heartbeat is committed.
                    self.stop_follower(&key);
                    if matches!(partition.role(), ReplicaRole::Leader(_)) {
                        tracing::warn!(
                            topic = topic.name,
                            partition = index,
                            epoch = assignment.leader_epoch,
                            "no heartbeat committed within the session timeout: not leading until one is"
                        );
                        partition.suspend_leadership(assignment.leader_epoch);
                    }
                } else if assignment.leader == Some(me) {
                    self.stop_follower(&key);
                    match partition.role() {
                        ReplicaRole::Leader(current)
                            if current.epoch == assignment.leader_epoch =>
                        {
                            if current.isr != assignment.isr {
                                partition.set_isr(assignment.isr.clone());
                            }
                        }
                        _ => {
                            tracing::info!(
                                topic = topic.name,
                                partition = index,
                                epoch = assignment.leader_epoch,
                                "leading"
                            );
                            partition.become_leader(LeaderState {
                                me,
                                epoch: assignment.leader_epoch,
                                isr: assignment.isr.clone(),
                                replicas: assignment.replicas.clone(),
                                min_insync: (self.config.min_insync_replicas as usize)
                                    .min(assignment.replicas.len())
                                    .max(1),
                                ack_timeout_ms: self.config.replica_lag_max_ms * 2,
                                since_ms: monotonic_ms(),
                                followers: HashMap::new(),
                            });
                        }
                    }
                } else {
                    let wanted = ReplicaRole::Follower {
                        leader: assignment.leader,
                        epoch: assignment.leader_epoch,
                    };
                    if partition.role() != wanted {
                        partition.become_follower(assignment.leader, assignment.leader_epoch);
                    }
                    match assignment.leader {
                        Some(leader) if replica_here => {
                            self.ensure_follower(key, leader, assignment.leader_epoch)
                        }
                        _ => self.stop_follower(&key),
                    }
                }
            }
        }
    }

    async fn ensure_local_topic(&self, topic: &TopicRecord) -> Result<(), BrokerError> {
        let wanted = topic.partitions.len() as u32;
        match self.broker.topic(&topic.name) {
            Ok(local) if local.partition_count() >= wanted => {
                if local.config() != topic.config {
                    self.broker
                        .update_topic_config(&topic.name, replacing(topic.config))
                        .await?;
                }
                Ok(())
            }
            Ok(local) => {
                let before = local.partition_count();
                self.broker.create_partitions(&topic.name, wanted).await?;
                // As for a new topic: nothing is written until the metadata says who leads.
                for partition in local.partitions().iter().skip(before as usize) {
                    partition.become_follower(None, 0);
                }
                Ok(())
            }
            Err(BrokerError::TopicNotFound(_)) => {
                let created = self
                    .broker
                    .create_topic(&topic.name, Some(wanted), replacing(topic.config))
                    .await?;
                // Nothing is written until the metadata says who leads.
                for partition in created.partitions() {
                    partition.become_follower(None, 0);
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    fn ensure_follower(self: &Arc<Self>, key: PartitionKey, leader: NodeId, epoch: u64) {
        let mut followers = self.followers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((running, task)) = followers.get(&key)
            && *running == epoch
            && !task.is_finished()
        {
            return;
        }
        if let Some((_, old)) = followers.remove(&key) {
            old.abort();
        }
        let task = tokio::spawn(follow(Arc::downgrade(self), key.clone(), leader, epoch));
        followers.insert(key, (epoch, task));
    }

    fn stop_follower(&self, key: &PartitionKey) {
        if let Some((_, task)) = self
            .followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key)
        {
            task.abort();
        }
    }

    /// As a leader: asks the controller to drop lagging followers from the ISR and to take back
    /// caught-up ones.
    async fn maintain_isr(&self) {
        let me = self.node.id();
        let lag = self.config.replica_lag_max_ms as i64;
        for topic in self.broker.topics() {
            for partition in topic.partitions() {
                let ReplicaRole::Leader(state) = partition.role() else {
                    continue;
                };
                if let Some(damaged) = partition.damaged_from() {
                    self.hand_over(&topic.name(), partition.id, &state, damaged)
                        .await;
                    continue;
                }
                let Some(isr) = state.wanted_isr(monotonic_ms(), lag) else {
                    continue;
                };
                tracing::info!(
                    topic = topic.name(),
                    partition = partition.id,
                    from = ?state.isr,
                    to = ?isr,
                    "changing the ISR"
                );
                let command = MetaCommand::ChangeIsr {
                    topic: topic.name(),
                    partition: partition.id,
                    leader: me,
                    leader_epoch: state.epoch,
                    isr,
                };
                let timeout = Duration::from_millis(self.node.config().heartbeat_interval_ms);
                if let Err(e) = self.node.propose(command, timeout).await {
                    tracing::debug!(error = %e, "ISR change not committed");
                }
            }
        }
    }

    /// As the leader of a partition whose copy here is damaged from offset `damaged`: asks the
    /// controller to move the leadership to an in-sync peer, which holds every acknowledged
    /// record, so this broker can drop the damaged ones and copy them back as a follower. Asks
    /// once per leader epoch and ISR; when there is no peer to lead, it leads on with what it
    /// has, and reads reaching the damage fail.
    async fn hand_over(&self, topic: &str, partition: u32, state: &LeaderState, damaged: u64) {
        let key = (topic.to_string(), partition);
        let attempt = (state.epoch, state.isr.clone());
        {
            let mut asked = self
                .handover_asked
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if asked.get(&key) == Some(&attempt) {
                return;
            }
            asked.insert(key.clone(), attempt);
        }
        let command = MetaCommand::LeaveIsr {
            topic: topic.to_string(),
            partition,
            broker: self.node.id(),
            leader_epoch: state.epoch,
        };
        let timeout = Duration::from_millis(super::node::PROPOSE_TIMEOUT_MS);
        match self.node.propose(command, timeout).await {
            Ok(MetaResponse::Rejected(reason)) => tracing::error!(
                topic,
                partition,
                damaged_from = damaged,
                %reason,
                "this broker's copy is damaged but no in-sync peer can take the leadership: leading on; reads from the damaged offset fail"
            ),
            Ok(_) => tracing::warn!(
                topic,
                partition,
                damaged_from = damaged,
                epoch = state.epoch,
                "this broker's copy is damaged: handed the leadership to an in-sync peer, to copy the damaged records back from it"
            ),
            Err(e) => {
                tracing::warn!(topic, partition, error = %e, "could not hand over the leadership of a damaged partition; will ask again");
                self.handover_asked
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&key);
            }
        }
    }

    /// Writes the epoch histories when they changed.
    async fn save_epochs(&self) {
        let mut current = BTreeMap::new();
        for topic in self.broker.topics() {
            for partition in topic.partitions() {
                let epochs = partition.epochs();
                if !epochs.is_empty() {
                    current.insert(epochs_key(&topic.name(), partition.id), epochs);
                }
            }
        }
        let saved = self
            .saved_epochs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        if saved.as_ref() == Some(&current) {
            return;
        }
        if let Some(path) = self.epochs_path.clone() {
            let histories = current.clone();
            let written = tokio::task::spawn_blocking(move || write_epochs(&path, &histories))
                .await
                .map_err(|e| e.to_string())
                .and_then(|written| written.map_err(|e| e.to_string()));
            if let Err(error) = written {
                tracing::warn!(%error, "cannot save leader epochs; will retry");
                return;
            }
        }
        *self.saved_epochs.lock().unwrap_or_else(|e| e.into_inner()) = Some(current);
    }
}

/// The reconcile loop: after this broker's registration is applied, on every metadata change
/// and every heartbeat interval.
async fn run(manager: Weak<Replication>) {
    let Some(this) = manager.upgrade() else {
        return;
    };
    this.node.wait_registered().await;
    let mut version = this.node.view().subscribe();
    let interval = Duration::from_millis(this.node.config().heartbeat_interval_ms);
    drop(this);
    loop {
        let Some(this) = manager.upgrade() else {
            return;
        };
        this.reconcile().await;
        this.maintain_isr().await;
        this.save_epochs().await;
        drop(this);
        let _ = tokio::time::timeout(interval, version.changed()).await;
    }
}

/// A follower's fetch loop for one partition in one leader epoch.
async fn follow(manager: Weak<Replication>, key: PartitionKey, leader: NodeId, epoch: u64) {
    let (topic, partition_id) = key;
    // One connection for the whole loop: a fetch per new connection would pay a TCP and
    // HTTP/2 handshake on every round trip.
    let mut connection: Option<(String, PeerClient)> = None;
    let mut leader_damaged = false;
    loop {
        let Some(this) = manager.upgrade() else {
            return;
        };
        let me = this.node.id();
        let Ok(partition) = this
            .broker
            .topic(&topic)
            .and_then(|t| t.partition(partition_id))
        else {
            return;
        };
        if partition.role()
            != (ReplicaRole::Follower {
                leader: Some(leader),
                epoch,
            })
        {
            return;
        }
        if let Some(damaged) = partition.damaged_from() {
            // The leader has these records; this copy cannot serve them. Out of the ISR first,
            // so the controller never elects a replica that is about to drop acknowledged
            // records, then truncate and fetch them again.
            let in_isr = this.node.view().with(|s| {
                s.assignment(&topic, partition_id)
                    .is_some_and(|a| a.isr.contains(&me))
            });
            if in_isr {
                let command = MetaCommand::LeaveIsr {
                    topic: topic.clone(),
                    partition: partition_id,
                    broker: me,
                    leader_epoch: epoch,
                };
                let timeout = Duration::from_millis(this.node.config().heartbeat_interval_ms);
                match this.node.propose(command, timeout).await {
                    Ok(MetaResponse::Rejected(reason)) => {
                        tracing::warn!(topic, partition = partition_id, %reason, "a damaged replica cannot leave the ISR yet")
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::debug!(topic, partition = partition_id, error = %e, "leaving the ISR not committed")
                    }
                }
                drop(this);
                tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
                continue;
            }
            drop(this);
            let fetch_offset = partition.log_end_offset();
            tracing::warn!(
                topic,
                partition = partition_id,
                damaged_from = damaged,
                log_end = fetch_offset,
                leader,
                "dropping this broker's damaged or unverified records to copy them back from the leader"
            );
            let truncated =
                tokio::spawn(async move { partition.truncate(epoch, fetch_offset, damaged).await })
                    .await
                    .unwrap_or_else(|e| {
                        Err(BrokerError::Internal(format!("truncate task failed: {e}")))
                    });
            if let Err(e) = truncated {
                tracing::warn!(topic, partition = partition_id, error = %e, "cannot drop the damaged records yet");
                tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
            }
            continue;
        }
        let address = this
            .node
            .view()
            .with(|s| s.brokers.get(&leader).map(|b| b.cluster_address.clone()));
        let auth = this.node.peer_auth().clone();
        drop(this);
        let client = match (address, &connection) {
            (Some(address), Some((connected, client))) if *connected == address => client.clone(),
            (Some(address), _) => match peer_client(&address, &auth) {
                Ok(client) => {
                    connection = Some((address, client.clone()));
                    client
                }
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
                    continue;
                }
            },
            (None, _) => {
                tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
                continue;
            }
        };
        let mut client = client;
        let fetch_offset = partition.log_end_offset();
        let request = pb::ReplicaFetchRequest {
            topic: topic.clone(),
            partition: partition_id,
            replica_id: me,
            leader_epoch: epoch,
            fetch_offset,
            last_fetched_epoch: partition.epochs().last().map(|e| e.epoch),
            max_bytes: REPLICA_FETCH_MAX_BYTES,
            max_wait_ms: REPLICA_FETCH_WAIT_MS,
        };
        // A deadline of its own: a leader cut off or paused keeps the connection open without
        // answering, and after a partition heals TCP may wait seconds more to retransmit. A
        // fetch that overstays drops the connection; the next one dials afresh.
        let answer = tokio::time::timeout(
            Duration::from_millis(u64::from(REPLICA_FETCH_WAIT_MS) + REPLICA_FETCH_ANSWER_GRACE_MS),
            client.replica_fetch(request),
        )
        .await;
        let Ok(answer) = answer else {
            tracing::debug!(
                topic,
                partition = partition_id,
                leader,
                "replica fetch not answered in time; reconnecting"
            );
            connection = None;
            continue;
        };
        let response = match answer {
            Ok(response) => {
                leader_damaged = false;
                response.into_inner()
            }
            Err(status) if status.code() == tonic::Code::DataLoss => {
                // The leader's copy is damaged where this follower reads: it hands the
                // leadership over when an in-sync peer can take it; until then, say why this
                // follower does not catch up (once per run of failures).
                if !leader_damaged {
                    tracing::warn!(topic, partition = partition_id, leader, %status, "the leader's copy is damaged where this follower fetches; waiting for the leader to repair or hand over");
                }
                leader_damaged = true;
                tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
                continue;
            }
            Err(status) => {
                tracing::debug!(topic, partition = partition_id, leader, %status, "replica fetch failed");
                tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
                continue;
            }
        };
        // Applied in a task of its own: when this loop is aborted (the role changed), a write to
        // the log that has begun still finishes and publishes the log's new end.
        let topic_name = topic.clone();
        let apply = async move {
            match response.truncate_to {
                Some(offset) => {
                    tracing::info!(
                        topic = topic_name,
                        partition = partition_id,
                        offset,
                        "truncating a diverged log"
                    );
                    partition.truncate(epoch, fetch_offset, offset).await
                }
                None => {
                    let batches = response
                        .batches
                        .into_iter()
                        .map(|bytes| {
                            BatchHeader::parse(&bytes).map(|header| StoredBatch { header, bytes })
                        })
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| {
                            BrokerError::Internal(format!(
                                "the leader sent a batch that does not parse: {e}"
                            ))
                        })?;
                    let fetched = ReplicaRecords {
                        batches,
                        leader_high_watermark: response.high_watermark,
                        leader_epochs: response
                            .epochs
                            .iter()
                            .map(|e| EpochStart {
                                epoch: e.epoch,
                                start_offset: e.start_offset,
                            })
                            .collect(),
                    };
                    partition.append_replica(epoch, fetch_offset, fetched).await
                }
            }
        };
        let applied = tokio::spawn(apply)
            .await
            .unwrap_or_else(|e| Err(BrokerError::Internal(format!("apply task failed: {e}"))));
        if let Err(e) = applied {
            tracing::warn!(topic, partition = partition_id, error = %e, "cannot apply replicated records");
            tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
        }
    }
}

/// An update that sets every setting to `config`'s.
fn replacing(config: LogConfig) -> TopicConfigUpdate {
    TopicConfigUpdate {
        retention_ms: Some(config.retention_ms.unwrap_or(0)),
        retention_bytes: Some(config.retention_bytes.unwrap_or(0)),
        segment_bytes: Some(config.segment_bytes),
        segment_ms: Some(config.segment_ms),
    }
}

/// A cluster's answer to a topic change as the engine's error: the metadata's refusals keep
/// their meaning (an existing topic, a bad count), the rest is UNAVAILABLE.
fn topic_change_error(name: &str, error: ClusterError) -> BrokerError {
    match error {
        ClusterError::Rejected(reason) if reason.contains("already exists") => {
            BrokerError::TopicExists(name.to_string())
        }
        ClusterError::Rejected(reason) if reason.contains("does not exist") => {
            BrokerError::TopicNotFound(name.to_string())
        }
        ClusterError::Rejected(reason) => BrokerError::InvalidArgument(reason),
        other => BrokerError::Unavailable(other.to_string()),
    }
}

/// Topic administration through the metadata quorum.
impl TopicAdmin for Replication {
    fn topic_names(&self) -> Vec<String> {
        Replication::topic_names(self)
    }

    /// This broker's own copy when it holds one, else the metadata's partition count and
    /// settings without per-partition details.
    fn describe_topic(&self, name: &str) -> Result<TopicView, BrokerError> {
        crate::broker::check_topic_name(name)?;
        let record = self
            .topic_record(name)
            .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))?;
        let partition_count = record.partitions.len() as u32;
        let description = match self.broker.topic(name) {
            Ok(topic) => topic.describe(),
            Err(_) => crate::broker::TopicDescription {
                name: record.name,
                config: record.config,
                partitions: Vec::new(),
            },
        };
        Ok(TopicView {
            description,
            partition_count,
        })
    }

    /// From the metadata's settings, so every replica ends with the same ones.
    fn update_topic_config<'a>(
        &'a self,
        name: &'a str,
        update: TopicConfigUpdate,
    ) -> futures::future::BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            crate::broker::check_topic_name(name)?;
            let current = self
                .topic_record(name)
                .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))?;
            let config = update.apply_to(current.config)?;
            Replication::update_topic_config(self, name, config)
                .await
                .map_err(|e| topic_change_error(name, e))
        })
    }

    fn create_topic<'a>(
        &'a self,
        name: &'a str,
        partitions: Option<u32>,
        replication_factor: Option<u32>,
        config: TopicConfigUpdate,
    ) -> futures::future::BoxFuture<'a, Result<u32, BrokerError>> {
        Box::pin(async move {
            crate::broker::check_topic_name(name)?;
            let defaults = self.broker.config();
            let partitions = partitions.unwrap_or(defaults.default_partitions);
            if partitions == 0 || partitions > crate::broker::MAX_PARTITIONS_PER_TOPIC {
                return Err(BrokerError::InvalidArgument(format!(
                    "partitions must be between 1 and {}, got {partitions}",
                    crate::broker::MAX_PARTITIONS_PER_TOPIC
                )));
            }
            let config = config.apply_to(defaults.default_log_config)?;
            Replication::create_topic(self, name, partitions, replication_factor, config)
                .await
                .map_err(|e| topic_change_error(name, e))?;
            Ok(partitions)
        })
    }

    fn create_partitions<'a>(
        &'a self,
        name: &'a str,
        total: u32,
    ) -> futures::future::BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            crate::broker::check_topic_name(name)?;
            let current = self
                .topic_record(name)
                .ok_or_else(|| BrokerError::TopicNotFound(name.to_string()))?
                .partitions
                .len() as u32;
            if total <= current || total > crate::broker::MAX_PARTITIONS_PER_TOPIC {
                return Err(BrokerError::InvalidArgument(format!(
                    "topic {name:?} has {current} partitions; the new count must be larger (at most {}), got {total}",
                    crate::broker::MAX_PARTITIONS_PER_TOPIC
                )));
            }
            Replication::create_partitions(self, name, total)
                .await
                .map_err(|e| topic_change_error(name, e))
        })
    }

    fn delete_topic<'a>(
        &'a self,
        name: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            crate::broker::check_topic_name(name)?;
            if self.topic_record(name).is_none() {
                return Err(BrokerError::TopicNotFound(name.to_string()));
            }
            Replication::delete_topic(self, name)
                .await
                .map_err(|e| topic_change_error(name, e))
        })
    }
}

impl ClusterTopics for Replication {
    fn ensure_for_produce<'a>(
        &'a self,
        name: &'a str,
    ) -> futures::future::BoxFuture<'a, Result<(), BrokerError>> {
        Box::pin(async move {
            if self.topic_record(name).is_none() {
                if !self.config.auto_create_topics {
                    return Err(BrokerError::TopicNotFound(name.to_string()));
                }
                crate::broker::names::validate_name("topic", name)
                    .map_err(BrokerError::InvalidArgument)?;
                let defaults = self.broker.config();
                let created = self
                    .create_topic(
                        name,
                        defaults.default_partitions,
                        None,
                        defaults.default_log_config,
                    )
                    .await;
                match created {
                    Ok(()) => tracing::info!(topic = name, "created topic on first produce"),
                    Err(ClusterError::Rejected(reason)) if reason.contains("already exists") => {}
                    Err(ClusterError::Rejected(reason)) => {
                        return Err(BrokerError::InvalidArgument(reason));
                    }
                    Err(e) => return Err(BrokerError::Unavailable(e.to_string())),
                }
            }
            if self.broker.topic(name).is_ok() {
                return Ok(());
            }
            // The topic lives on other brokers: send the client to partition 0's leader, and it
            // refreshes its metadata from there.
            let leader = self
                .node
                .view()
                .with(|s| s.assignment(name, 0).and_then(|a| a.leader));
            Err(BrokerError::NotLeader {
                partition: 0,
                leader,
            })
        })
    }

    fn reserve_producer_ids(
        &self,
        count: u64,
    ) -> futures::future::BoxFuture<'_, Result<i64, BrokerError>> {
        Box::pin(async move {
            let command = MetaCommand::ReserveProducerIds { count };
            let timeout = Duration::from_millis(super::node::PROPOSE_TIMEOUT_MS);
            match self.node.propose(command, timeout).await {
                Ok(MetaResponse::ProducerIds { first }) => Ok(first),
                Ok(other) => Err(BrokerError::Internal(format!(
                    "reserving producer ids was answered {other:?}"
                ))),
                Err(e) => Err(BrokerError::Unavailable(e.to_string())),
            }
        })
    }
}
