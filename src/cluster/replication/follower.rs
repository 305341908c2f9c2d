//! A follower's fetch sessions: one loop per leader (and per throttled or not) copying every
//! partition this broker follows there, in one request per round, as Kafka's replica fetcher
//! threads do. A loop per partition made a broker following 6,667 partitions send about 13,000
//! long polls a second while nothing was written, starving its Raft RPCs.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use crate::broker::BrokerError;
use crate::broker::partition::{Partition, ReplicaRecords};
use crate::broker::replica::{EpochStart, ReplicaRole};
use crate::storage::batch::{BatchHeader, StoredBatch};
use crate::wire::v1 as pb;

use crate::cluster::network::{PeerClient, peer_client};
use crate::cluster::state::{MetaCommand, MetaResponse, NodeId};

use super::*;

/// Bytes of batches one fetch's answer may carry over all its partitions (each partition asks
/// for at most [`REPLICA_FETCH_MAX_BYTES`]); well under the peers' message limit.
const REPLICA_FETCH_RESPONSE_MAX_BYTES: u32 = 16 * 1024 * 1024;

/// Which fetch session copies a partition: its leader's, paced by the move throttle or not (a
/// throttled session sleeps between fetches, which must never hold up in-sync followers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct SessionKey {
    pub leader: NodeId,
    pub throttled: bool,
}

/// The partitions one fetch session copies, each with the leader epoch it follows.
#[derive(Default)]
pub(super) struct FetchSession {
    partitions: Mutex<BTreeMap<PartitionKey, u64>>,
    /// Wakes the loop when partitions join or leave, ending a long poll in flight so that a
    /// partition that just joined is fetched at once rather than after the poll.
    changed: Notify,
}

impl FetchSession {
    /// Follows `key` in `epoch`; false when it already did.
    pub(super) fn insert(&self, key: PartitionKey, epoch: u64) -> bool {
        let before = self.lock().insert(key, epoch);
        let changed = before != Some(epoch);
        if changed {
            self.changed.notify_one();
        }
        changed
    }

    /// Stops following `key`; true when no partition is left.
    pub(super) fn remove(&self, key: &PartitionKey) -> bool {
        let mut partitions = self.lock();
        if partitions.remove(key).is_some() {
            self.changed.notify_one();
        }
        partitions.is_empty()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<PartitionKey, u64>> {
        self.partitions.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// This broker's fetch sessions, and which one follows each partition in which epoch.
#[derive(Default)]
pub(super) struct FetchSessions {
    by_partition: HashMap<PartitionKey, (SessionKey, u64)>,
    sessions: HashMap<SessionKey, (Arc<FetchSession>, tokio::task::JoinHandle<()>)>,
}

impl FetchSessions {
    /// Follows `key` in `epoch` in the session for `session_key`, starting that session (again,
    /// if its loop ended) when needed, and out of any other session.
    pub(super) fn follow(
        &mut self,
        manager: &Arc<Replication>,
        key: PartitionKey,
        session_key: SessionKey,
        epoch: u64,
    ) {
        let running = self
            .sessions
            .get(&session_key)
            .is_some_and(|(_, task)| !task.is_finished());
        if running && self.by_partition.get(&key) == Some(&(session_key, epoch)) {
            return;
        }
        if let Some((old, _)) = self.by_partition.get(&key)
            && *old != session_key
        {
            self.stop(&key);
        }
        let session = match self.sessions.remove(&session_key) {
            Some((session, task)) if !task.is_finished() => (session, task),
            found => {
                let session = found.map_or_else(Arc::default, |(session, _)| session);
                let task = tokio::spawn(run_session(
                    Arc::downgrade(manager),
                    session_key,
                    session.clone(),
                ));
                (session, task)
            }
        };
        session.0.insert(key.clone(), epoch);
        self.sessions.insert(session_key, session);
        self.by_partition.insert(key, (session_key, epoch));
    }

    /// Stops following `key`; a session left with no partition ends.
    pub(super) fn stop(&mut self, key: &PartitionKey) {
        let Some((session_key, _)) = self.by_partition.remove(key) else {
            return;
        };
        if let Some((session, _)) = self.sessions.get(&session_key)
            && session.remove(key)
            && let Some((_, task)) = self.sessions.remove(&session_key)
        {
            task.abort();
        }
    }

    /// The partitions of `topic` followed here.
    pub(super) fn of_topic(&self, topic: &str) -> Vec<PartitionKey> {
        self.by_partition
            .keys()
            .filter(|(t, _)| t == topic)
            .cloned()
            .collect()
    }

    /// Ends every session.
    pub(super) fn stop_all(&mut self) {
        self.by_partition.clear();
        for (_, (_, task)) in self.sessions.drain() {
            task.abort();
        }
    }
}

/// One partition in a round of a session: what was asked for it.
struct Asked {
    key: PartitionKey,
    epoch: u64,
    partition: Arc<Partition>,
    fetch_offset: u64,
    throttle_bytes_per_s: u64,
}

/// What a session remembers of a partition between rounds.
#[derive(Default)]
struct PartitionState {
    /// Not fetched again before this, after an error.
    retry_at: Option<Instant>,
    /// The leader said its copy is damaged where this follower reads (warned once per run).
    leader_damaged: bool,
}

/// A fetch session's loop: every round fetches each of its partitions that follows `key`'s
/// leader in its epoch, is not being repaired and is not backing off after an error, then applies
/// each partition's answer. Ends when the replication manager is gone; the manager aborts it when
/// no partition is left.
pub(super) async fn run_session(
    manager: Weak<Replication>,
    key: SessionKey,
    session: Arc<FetchSession>,
) {
    let leader = key.leader;
    // One connection for the whole loop: a fetch per new connection would pay a TCP and
    // HTTP/2 handshake on every round trip.
    let mut connection: Option<(String, PeerClient)> = None;
    let mut states: HashMap<PartitionKey, PartitionState> = HashMap::new();
    let mut repairs: HashMap<PartitionKey, tokio::task::JoinHandle<()>> = HashMap::new();
    // Where a round starts in the partition list, moved on every round so that partitions late
    // in it are not always the ones the answer's byte limit leaves out.
    let mut rotation = 0usize;
    loop {
        let Some(this) = manager.upgrade() else {
            return;
        };
        let me = this.node.id();
        let following: Vec<(PartitionKey, u64)> = session
            .lock()
            .iter()
            .map(|(k, e)| (k.clone(), *e))
            .collect();
        // In key order, as the session's map keeps them.
        states.retain(|k, _| following.binary_search_by(|(f, _)| f.cmp(k)).is_ok());
        repairs.retain(|_, task| !task.is_finished());
        let now = Instant::now();
        let mut asked = Vec::new();
        let start = rotation % following.len().max(1);
        rotation = rotation.wrapping_add(1);
        for (partition_key, epoch) in following[start..].iter().chain(&following[..start]) {
            let Ok(partition) = this
                .broker
                .topic(&partition_key.0)
                .and_then(|t| t.partition(partition_key.1))
            else {
                continue;
            };
            // Moved into another role: the reconciler takes it out of this session.
            if partition.role()
                != (ReplicaRole::Follower {
                    leader: Some(leader),
                    epoch: *epoch,
                })
                || repairs.contains_key(partition_key)
            {
                continue;
            }
            if partition.damaged_from().is_some() {
                let repair = repair(
                    manager.clone(),
                    partition_key.clone(),
                    partition,
                    leader,
                    *epoch,
                );
                repairs.insert(partition_key.clone(), tokio::spawn(repair));
                continue;
            }
            if states
                .get(partition_key)
                .and_then(|s| s.retry_at)
                .is_some_and(|at| at > now)
            {
                continue;
            }
            let fetch_offset = partition.log_end_offset();
            asked.push(Asked {
                key: partition_key.clone(),
                epoch: *epoch,
                partition,
                fetch_offset,
                throttle_bytes_per_s: 0,
            });
        }
        if asked.is_empty() {
            drop(this);
            // Nothing to fetch now: wait for a partition to join, or for one backing off or
            // being repaired to be ready again.
            let _ = tokio::time::timeout(
                Duration::from_millis(REPLICA_RETRY_MS),
                session.changed.notified(),
            )
            .await;
            continue;
        }
        let address = this.node.view().with(|s| {
            if key.throttled {
                // Throttled while a move adds this replica and it is not yet in sync.
                for part in &mut asked {
                    part.throttle_bytes_per_s = s
                        .assignment(&part.key.0, part.key.1)
                        .and_then(|a| {
                            let rate = a.reassignment.as_ref()?.throttle_bytes_per_s;
                            a.catching_up().contains(&me).then_some(rate)
                        })
                        .unwrap_or(0);
                }
            }
            s.brokers.get(&leader).map(|b| b.cluster_address.clone())
        });
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
        let request = pb::ReplicaFetchRequest {
            replica_id: me,
            max_wait_ms: REPLICA_FETCH_WAIT_MS,
            max_bytes: REPLICA_FETCH_RESPONSE_MAX_BYTES,
            partitions: asked
                .iter()
                .map(|part| pb::ReplicaFetchPartition {
                    topic: part.key.0.clone(),
                    partition: part.key.1,
                    leader_epoch: part.epoch,
                    fetch_offset: part.fetch_offset,
                    last_fetched_epoch: part.partition.epochs().last().map(|e| e.epoch),
                    max_bytes: match part.throttle_bytes_per_s {
                        0 => REPLICA_FETCH_MAX_BYTES,
                        rate => MoveThrottle::fetch_bytes(rate, REPLICA_FETCH_MAX_BYTES),
                    },
                })
                .collect(),
        };
        // A deadline of its own: a leader cut off or paused keeps the connection open without
        // answering, and after a partition heals TCP may wait seconds more to retransmit. A
        // fetch that overstays drops the connection; the next one dials afresh.
        let deadline =
            Duration::from_millis(u64::from(REPLICA_FETCH_WAIT_MS) + REPLICA_FETCH_ANSWER_GRACE_MS);
        let answer = tokio::select! {
            answer = tokio::time::timeout(deadline, client.replica_fetch(request)) => answer,
            // The partitions changed: ask again with the new set (a record in flight for one
            // is fetched again from the log's end).
            () = session.changed.notified() => continue,
        };
        let Ok(answer) = answer else {
            tracing::debug!(leader, "replica fetch not answered in time; reconnecting");
            connection = None;
            continue;
        };
        let response = match answer {
            Ok(response) => response.into_inner(),
            Err(status) => {
                tracing::debug!(leader, %status, "replica fetch failed");
                tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
                continue;
            }
        };
        if response.partitions.len() != asked.len() {
            tracing::warn!(
                leader,
                asked = asked.len(),
                answered = response.partitions.len(),
                "a replica fetch answered for other partitions than asked; fetching again"
            );
            tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
            continue;
        }
        let mut applying = Vec::with_capacity(asked.len());
        let mut throttled_bytes = Vec::new();
        for (part, answer) in asked.into_iter().zip(response.partitions) {
            let state = states.entry(part.key.clone()).or_default();
            if answer.error_code != 0 {
                let code = tonic::Code::from(answer.error_code as i32);
                let (topic, partition) = &part.key;
                if code == tonic::Code::DataLoss {
                    // The leader hands the leadership over when an in-sync peer can take it;
                    // until then, say why this follower does not catch up (once per run).
                    if !state.leader_damaged {
                        tracing::warn!(
                            topic,
                            partition,
                            leader,
                            error = answer.error_message,
                            "the leader's copy is damaged where this follower fetches; waiting for the leader to repair or hand over"
                        );
                    }
                    state.leader_damaged = true;
                } else {
                    tracing::debug!(
                        topic,
                        partition,
                        leader,
                        ?code,
                        error = answer.error_message,
                        "replica fetch refused"
                    );
                }
                state.retry_at = Some(Instant::now() + Duration::from_millis(REPLICA_RETRY_MS));
                continue;
            }
            state.leader_damaged = false;
            state.retry_at = None;
            if part.throttle_bytes_per_s > 0 {
                let bytes: u64 = answer.batches.iter().map(|b| b.len() as u64).sum();
                throttled_bytes.push((bytes, part.throttle_bytes_per_s));
            }
            if is_idle(&part, &answer) {
                continue;
            }
            let key = part.key.clone();
            // Applied in a task of its own: when this loop is aborted (the partitions left the
            // session), a write to the log that has begun still finishes and publishes the
            // log's new end.
            applying.push((key, tokio::spawn(apply(part, answer))));
        }
        for (partition_key, task) in applying {
            let applied = task
                .await
                .unwrap_or_else(|e| Err(BrokerError::Internal(format!("apply task failed: {e}"))));
            if let Err(e) = applied {
                let (topic, partition) = &partition_key;
                tracing::warn!(topic, partition, error = %e, "cannot apply replicated records");
                states.entry(partition_key).or_default().retry_at =
                    Some(Instant::now() + Duration::from_millis(REPLICA_RETRY_MS));
            }
        }
        if !throttled_bytes.is_empty()
            && let Some(this) = manager.upgrade()
        {
            let paid_until = throttled_bytes
                .into_iter()
                .map(|(bytes, rate)| this.move_throttle.pay(bytes, rate))
                .max();
            drop(this);
            if let Some(paid_until) = paid_until {
                tokio::time::sleep_until(paid_until.into()).await;
            }
        }
    }
}

/// Whether a partition's answer changes nothing here: no records, no truncation, the high
/// watermark and the epoch history as this copy has them (most answers of an idle partition).
fn is_idle(part: &Asked, answer: &pb::ReplicaFetchPartitionResult) -> bool {
    if !answer.batches.is_empty()
        || answer.truncate_to.is_some()
        || answer.high_watermark != part.partition.end_offset()
    {
        return false;
    }
    let own = part.partition.epochs();
    own.len() == answer.epochs.len()
        && own
            .iter()
            .zip(&answer.epochs)
            .all(|(o, a)| o.epoch == a.epoch && o.start_offset == a.start_offset)
}

/// Applies one partition's answer: the truncation the leader asked for (or one this follower
/// finds itself), or the batches it sent.
async fn apply(part: Asked, answer: pb::ReplicaFetchPartitionResult) -> Result<(), BrokerError> {
    let Asked {
        key: (topic, partition_id),
        epoch,
        partition,
        fetch_offset,
        ..
    } = part;
    let leader_epochs: Vec<EpochStart> = answer
        .epochs
        .iter()
        .map(|e| EpochStart {
            epoch: e.epoch,
            start_offset: e.start_offset,
        })
        .collect();
    let truncate_to = answer
        .truncate_to
        .or_else(|| unknown_epochs_start(&partition.epochs(), &leader_epochs, fetch_offset));
    if let Some(offset) = truncate_to {
        tracing::info!(
            topic,
            partition = partition_id,
            offset,
            "truncating a diverged log"
        );
        return partition.truncate(epoch, fetch_offset, offset).await;
    }
    let batches = answer
        .batches
        .into_iter()
        .map(|bytes| BatchHeader::parse(&bytes).map(|header| StoredBatch { header, bytes }))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            BrokerError::Internal(format!("the leader sent a batch that does not parse: {e}"))
        })?;
    let fetched = ReplicaRecords {
        batches,
        leader_high_watermark: answer.high_watermark,
        leader_epochs,
    };
    partition.append_replica(epoch, fetch_offset, fetched).await
}

/// One step of repairing a partition whose copy here is damaged: the leader has these records
/// and this copy cannot serve them. Out of the ISR first, so the controller never elects a
/// replica that is about to drop acknowledged records; once out, truncate to before the damage,
/// and the session copies the rest back.
async fn repair(
    manager: Weak<Replication>,
    (topic, partition_id): PartitionKey,
    partition: Arc<Partition>,
    leader: NodeId,
    epoch: u64,
) {
    let Some(this) = manager.upgrade() else {
        return;
    };
    let Some(damaged) = partition.damaged_from() else {
        return;
    };
    let me = this.node.id();
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
        return;
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
    if let Err(e) = partition.truncate(epoch, fetch_offset, damaged).await {
        tracing::warn!(topic, partition = partition_id, error = %e, "cannot drop the damaged records yet");
        tokio::time::sleep(Duration::from_millis(REPLICA_RETRY_MS)).await;
    }
}

/// Where this follower's log diverged from its leader's although the leader found nothing to
/// truncate: the leader checks only the follower's last epoch against its own history, and an
/// epoch it never had ends, as it sees it, where its next one starts, which may lie past the
/// follower's end. Records of epochs the leader never had were written by a leader none of whose
/// writes it copied (one that wrote and died before any follower fetched): none was acknowledged,
/// and the leader holds other records at those offsets. They go from the start of the first such
/// epoch of `own` (the follower's history; its log ends at `log_end`): Kafka's follower does the
/// same with the leader's answer for the largest epoch both have. `None` when the leader has the
/// follower's last epoch, when they share no epoch (nothing to compare), or when the first epoch
/// the leader lacks starts at the follower's end.
fn unknown_epochs_start(own: &[EpochStart], leader: &[EpochStart], log_end: u64) -> Option<u64> {
    let last = own.last()?.epoch;
    let shared = leader
        .iter()
        .map(|e| e.epoch)
        .filter(|&e| e <= last)
        .max()?;
    let first_unknown = own.iter().find(|e| e.epoch > shared)?;
    (first_unknown.start_offset < log_end).then_some(first_unknown.start_offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn history(epochs: &[(u64, u64)]) -> Vec<EpochStart> {
        epochs
            .iter()
            .map(|&(epoch, start_offset)| EpochStart {
                epoch,
                start_offset,
            })
            .collect()
    }

    #[test]
    fn records_of_an_epoch_the_leader_never_had_are_a_diverged_suffix() {
        // The follower led epoch 11 from offset 5583 and wrote one record before it died; the
        // leader of epoch 12 never had epoch 11, and had copied epoch 10 up to 5586 first. Its
        // own check (the end of epoch 11 as it sees it is 5586, past the fetch offset 5584)
        // truncates nothing.
        let leader = history(&[(0, 0), (10, 5518), (12, 5586)]);
        let follower = history(&[(0, 0), (10, 5518), (11, 5583)]);
        assert_eq!(
            crate::broker::replica::end_offset_for_epoch(&leader, 11, 5600),
            5586
        );
        assert_eq!(unknown_epochs_start(&follower, &leader, 5584), Some(5583));
        // From the first of several epochs it never had.
        let follower = history(&[(0, 0), (10, 5518), (11, 5583), (13, 5590)]);
        let leader = history(&[(0, 0), (10, 5518), (14, 5586)]);
        assert_eq!(unknown_epochs_start(&follower, &leader, 5595), Some(5583));
    }

    #[test]
    fn epochs_the_leader_has_or_that_hold_no_record_truncate_nothing() {
        let leader = history(&[(0, 0), (10, 5518), (12, 5586)]);
        // The follower's last epoch is the leader's: the leader's own check covers it.
        assert_eq!(
            unknown_epochs_start(&history(&[(0, 0), (10, 5518)]), &leader, 5586),
            None
        );
        assert_eq!(unknown_epochs_start(&leader, &leader, 5590), None);
        // It began epoch 11 as a leader at its end and wrote nothing in it.
        let follower = history(&[(0, 0), (10, 5518), (11, 5584)]);
        assert_eq!(unknown_epochs_start(&follower, &leader, 5584), None);
        // No epoch in common, or no history: nothing to compare.
        assert_eq!(
            unknown_epochs_start(&history(&[(3, 0)]), &history(&[(5, 0)]), 10),
            None
        );
        assert_eq!(unknown_epochs_start(&[], &leader, 10), None);
    }
}
