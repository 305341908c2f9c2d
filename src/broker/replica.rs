//! A partition's part in replication, in plain engine terms (no networking): whether this
//! broker leads it, follows it or keeps it alone, the followers' progress, the high watermark
//! and the leader-epoch history of the log.
//!
//! The cluster layer (`crate::cluster::replication`) moves partitions between roles as the
//! metadata says and runs the followers' fetch loops; everything it needs from a partition is
//! here. A partition outside a cluster stays [`ReplicaRole::Standalone`] and nothing here runs.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::storage::batch::StoredBatch;

use super::partition::Partition;
use super::{Broker, BrokerError, MAX_FETCH_MAX_BYTES, MAX_FETCH_WAIT_MS};

/// A broker's id, as the cluster names it.
pub type ReplicaId = u64;

/// Where a leader epoch starts in the log: records from `start_offset` on (until the next
/// entry) were written by the leader of `epoch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EpochStart {
    pub epoch: u64,
    pub start_offset: u64,
}

/// A follower's progress as its leader sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FollowerProgress {
    /// The follower has every record below this offset (it fetched from here).
    pub log_end: u64,
    /// When the follower last had everything the leader had ([`super::monotonic_ms`]).
    pub caught_up_ms: i64,
    /// The leader's log end and the time at the follower's previous fetch.
    pub previous_fetch_leader_end: u64,
    pub previous_fetch_ms: i64,
}

impl FollowerProgress {
    /// Records a fetch from `fetch_offset` while the leader's log ends at `leader_log_end`.
    /// Kafka's rule: a follower is caught up when it has all the leader had, or all the leader
    /// had at its previous fetch (then it was caught up as of that fetch). Without the second
    /// half a follower of a leader that appends without pause would never count as caught up.
    pub fn on_fetch(&mut self, fetch_offset: u64, leader_log_end: u64, now_ms: i64) {
        self.log_end = fetch_offset;
        if fetch_offset >= leader_log_end {
            self.caught_up_ms = now_ms;
        } else if fetch_offset >= self.previous_fetch_leader_end && self.previous_fetch_ms > 0 {
            self.caught_up_ms = self.caught_up_ms.max(self.previous_fetch_ms);
        }
        self.previous_fetch_leader_end = leader_log_end;
        self.previous_fetch_ms = now_ms;
    }
}

/// What this broker does for a partition.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReplicaRole {
    /// No cluster: every acknowledged append is visible at once.
    #[default]
    Standalone,
    Leader(LeaderState),
    Follower {
        leader: Option<ReplicaId>,
        epoch: u64,
    },
    /// The metadata says this broker leads in `epoch`, but none of its heartbeats was committed
    /// within the session timeout: the controller may be fencing it and giving the partition to
    /// another replica, so it acknowledges nothing (and serves no follower) until one is.
    Suspended {
        epoch: u64,
    },
}

/// A leader's view of its followers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaderState {
    pub me: ReplicaId,
    pub epoch: u64,
    /// The in-sync replicas, this broker included.
    pub isr: Vec<ReplicaId>,
    pub replicas: Vec<ReplicaId>,
    /// `acks=all` produces fail while the ISR is smaller than this.
    pub min_insync: usize,
    /// How long an `acks=all` append waits for the ISR before it fails as unavailable.
    pub ack_timeout_ms: u64,
    /// When this leadership began ([`super::monotonic_ms`]): followers not heard from yet are
    /// counted in sync until the lag limit has passed since then.
    pub since_ms: i64,
    pub followers: HashMap<ReplicaId, FollowerProgress>,
    /// Followers this leader has asked the controller to take into the ISR and that the ISR
    /// here does not hold yet. They count as in sync for the high watermark and `acks=all` from
    /// the moment it asks (Kafka's maximal ISR): the controller may elect them as soon as the
    /// change commits, before this leader applies it, so every record it acknowledges from then
    /// on must be on them too (and every one before is: a follower is added only once it holds
    /// everything below the high watermark).
    pub pending_isr: Vec<ReplicaId>,
}

impl LeaderState {
    /// The replicas acknowledgements wait for: the ISR and the ones asked to join it.
    fn counted_in_sync(&self) -> impl Iterator<Item = &ReplicaId> {
        self.isr
            .iter()
            .chain(self.pending_isr.iter().filter(|r| !self.isr.contains(r)))
    }

    /// The high watermark: the smallest log end among the in-sync replicas (and the ones asked
    /// to join them).
    pub fn high_watermark(&self, leader_log_end: u64) -> u64 {
        self.counted_in_sync()
            .filter(|r| **r != self.me)
            .map(|r| self.followers.get(r).map_or(0, |f| f.log_end))
            .fold(leader_log_end, u64::min)
    }

    /// How many in-sync replicas (this leader included, its log ending at `leader_log_end`)
    /// have every record below `offset`.
    pub fn replicas_having(&self, offset: u64, leader_log_end: u64) -> usize {
        self.counted_in_sync()
            .filter(|r| {
                let log_end = if **r == self.me {
                    leader_log_end
                } else {
                    self.followers.get(r).map_or(0, |f| f.log_end)
                };
                log_end >= offset
            })
            .count()
    }

    /// The ISR this leader should ask for: without followers behind for longer than
    /// `lag_max_ms`, with followers that have caught up and hold every record below the high
    /// watermark (its log ending at `leader_log_end`), so that each acknowledged record is on
    /// them. `None` when it is right as it is.
    pub fn wanted_isr(
        &self,
        now_ms: i64,
        lag_max_ms: i64,
        leader_log_end: u64,
    ) -> Option<Vec<ReplicaId>> {
        let high_watermark = self.high_watermark(leader_log_end);
        let started_ms = self.since_ms;
        let mut isr: Vec<ReplicaId> = self
            .isr
            .iter()
            .copied()
            .filter(|r| {
                *r == self.me || {
                    // A follower not heard from since this leadership began gets the same grace.
                    let since = self.followers.get(r).map_or(started_ms, |f| f.caught_up_ms);
                    now_ms - since <= lag_max_ms
                }
            })
            .collect();
        for replica in &self.replicas {
            if !isr.contains(replica)
                && self.followers.get(replica).is_some_and(|f| {
                    now_ms - f.caught_up_ms <= lag_max_ms / 2 && f.log_end >= high_watermark
                })
            {
                isr.push(*replica);
            }
        }
        (isr != self.isr).then_some(isr)
    }
}

/// One partition of a follower's fetch.
#[derive(Debug, Clone)]
pub struct ReplicaFetchPartition {
    pub topic: String,
    pub partition: u32,
    pub leader_epoch: u64,
    pub fetch_offset: u64,
    pub last_fetched_epoch: Option<u64>,
    pub max_bytes: u32,
}

/// A follower's fetch from its leader: every partition it follows there, in one request, so a
/// broker following thousands of partitions makes one long poll per leader rather than one per
/// partition (Kafka's replica fetcher does the same).
#[derive(Debug, Clone)]
pub struct ReplicaFetch {
    pub replica_id: ReplicaId,
    pub max_wait_ms: u32,
    /// Bytes of batches the whole answer may carry; the first partition with records gets its
    /// own `max_bytes` even past it, so a fetch always makes progress.
    pub max_bytes: u32,
    pub partitions: Vec<ReplicaFetchPartition>,
}

/// What the leader answers a follower for one partition.
#[derive(Debug, Clone)]
pub struct ReplicaFetched {
    /// Whole batches as stored, from about the fetch offset (the first may start before it).
    pub batches: Vec<StoredBatch>,
    pub high_watermark: u64,
    pub log_end_offset: u64,
    pub epochs: Vec<EpochStart>,
    /// The follower's log diverged: it must drop every record from here on first.
    pub truncate_to: Option<u64>,
}

/// Where one partition of a fetch stands once checked: answered already, or to be read.
enum FetchStep {
    Answered(Result<ReplicaFetched, BrokerError>),
    Read(Arc<Partition>),
}

impl Broker {
    /// Serves a follower's fetch as the leader of its partitions. Per partition: records the
    /// follower's progress (moving the high watermark), detects a diverged follower log by its
    /// last epoch, and otherwise returns records past the high watermark too. When no partition
    /// has anything to say (records, a truncation, an error), waits up to `max_wait_ms` for a
    /// record in any of them. One answer per partition, in the order asked.
    pub async fn replica_fetch(
        &self,
        request: ReplicaFetch,
    ) -> Vec<Result<ReplicaFetched, BrokerError>> {
        let mut steps: Vec<FetchStep> = request
            .partitions
            .iter()
            .map(
                |part| match self.replica_fetch_check(request.replica_id, part) {
                    Ok(partition) => FetchStep::Read(partition),
                    Err(answer) => FetchStep::Answered(answer),
                },
            )
            .collect();
        let has_news = steps
            .iter()
            .zip(&request.partitions)
            .any(|(step, part)| match step {
                FetchStep::Answered(_) => true,
                FetchStep::Read(partition) => part.fetch_offset < partition.log_end_offset(),
            });
        let max_wait = Duration::from_millis(request.max_wait_ms.min(MAX_FETCH_WAIT_MS) as u64);
        if !has_news && !max_wait.is_zero() {
            let waits: Vec<_> = steps
                .iter()
                .zip(&request.partitions)
                .filter_map(|(step, part)| match step {
                    FetchStep::Read(partition) => Some(Box::pin(
                        partition.wait_for_log_after(part.fetch_offset, max_wait),
                    )),
                    FetchStep::Answered(_) => None,
                })
                .collect();
            if !waits.is_empty() {
                futures::future::select_all(waits).await;
            }
        }
        let mut budget = request.max_bytes.clamp(1, MAX_FETCH_MAX_BYTES) as usize;
        let mut sent_records = false;
        let mut answers = Vec::with_capacity(steps.len());
        for (step, part) in steps.drain(..).zip(&request.partitions) {
            let partition = match step {
                FetchStep::Answered(answer) => {
                    answers.push(answer);
                    continue;
                }
                FetchStep::Read(partition) => partition,
            };
            let own_max = part.max_bytes.clamp(1, MAX_FETCH_MAX_BYTES) as usize;
            let max_bytes = if sent_records {
                own_max.min(budget)
            } else {
                own_max
            };
            // Nothing past the fetch offset: no read (a blocking task per idle partition was
            // most of an idle broker's work with thousands of partitions).
            let batches = if max_bytes == 0 || part.fetch_offset >= partition.log_end_offset() {
                Ok(Vec::new())
            } else {
                partition.read_replica(part.fetch_offset, max_bytes).await
            };
            answers.push(batches.map(|batches| {
                let bytes: usize = batches.iter().map(|b| b.bytes.len()).sum();
                budget = budget.saturating_sub(bytes);
                sent_records |= bytes > 0;
                ReplicaFetched {
                    batches,
                    high_watermark: partition.end_offset(),
                    log_end_offset: partition.log_end_offset(),
                    epochs: partition.epochs(),
                    truncate_to: None,
                }
            }));
        }
        answers
    }

    /// Checks one partition of a follower's fetch: this broker must lead it in the follower's
    /// epoch. `Ok` with the partition to read (the follower's progress recorded), or the answer
    /// already: a refusal, or where a diverged follower log must be truncated.
    fn replica_fetch_check(
        &self,
        replica_id: ReplicaId,
        part: &ReplicaFetchPartition,
    ) -> Result<Arc<Partition>, Result<ReplicaFetched, BrokerError>> {
        let partition = self
            .topic(&part.topic)
            .and_then(|t| t.partition(part.partition))
            .map_err(Err)?;
        match partition.role() {
            ReplicaRole::Leader(state) if state.epoch == part.leader_epoch => {}
            ReplicaRole::Leader(state) => {
                return Err(Err(BrokerError::FailedPrecondition(format!(
                    "{}/{} is led in epoch {}, not {}",
                    part.topic, part.partition, state.epoch, part.leader_epoch
                ))));
            }
            ReplicaRole::Follower { leader, .. } => {
                return Err(Err(BrokerError::NotLeader {
                    partition: part.partition,
                    leader,
                }));
            }
            ReplicaRole::Suspended { epoch } => {
                return Err(Err(BrokerError::FailedPrecondition(format!(
                    "{}/{}: leadership in epoch {epoch} is suspended until this broker's session with the controller is renewed",
                    part.topic, part.partition
                ))));
            }
            ReplicaRole::Standalone => {
                return Err(Err(BrokerError::FailedPrecondition(
                    "this broker is not in a cluster".into(),
                )));
            }
        }
        let epochs = partition.epochs();
        let log_end = partition.log_end_offset();
        let diverged_at = match part.last_fetched_epoch {
            Some(epoch) => end_offset_for_epoch(&epochs, epoch, log_end),
            None => log_end,
        };
        if diverged_at < part.fetch_offset {
            return Err(Ok(ReplicaFetched {
                batches: Vec::new(),
                high_watermark: partition.end_offset(),
                log_end_offset: log_end,
                epochs,
                truncate_to: Some(diverged_at),
            }));
        }
        partition.replica_fetched(replica_id, part.fetch_offset);
        Ok(partition)
    }
}

/// The end of `epoch` in a log with history `epochs`: where the first later epoch starts, or
/// `log_end` when none does. A follower whose last epoch is `epoch` truncates there.
pub fn end_offset_for_epoch(epochs: &[EpochStart], epoch: u64, log_end: u64) -> u64 {
    epochs
        .iter()
        .find(|e| e.epoch > epoch)
        .map_or(log_end, |e| e.start_offset)
}

/// Records that a leader in `epoch` starts writing at `log_end`.
pub fn begin_epoch(epochs: &mut Vec<EpochStart>, epoch: u64, log_end: u64) {
    if epochs.last().is_none_or(|last| last.epoch < epoch) {
        epochs.push(EpochStart {
            epoch,
            start_offset: log_end,
        });
    }
}

/// Drops history past a truncation at `offset`.
pub fn truncate_epochs(epochs: &mut Vec<EpochStart>, offset: u64) {
    epochs.retain(|e| e.start_offset < offset || e.start_offset == 0 && offset == 0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::broker::partition::ReplicaRecords;
    use crate::broker::produce::Acks;
    use crate::broker::{BrokerConfig, TopicConfigUpdate};
    use crate::storage::Record;
    use crate::storage::batch::CheckedBatch;
    use crate::storage::memory::MemoryStorage;
    use std::sync::Arc;

    fn records(values: &[&str]) -> Vec<Record> {
        values
            .iter()
            .map(|v| Record {
                timestamp_ms: 1,
                key: None,
                value: bytes::Bytes::copy_from_slice(v.as_bytes()),
                headers: Vec::new(),
            })
            .collect()
    }

    async fn broker_with_topic() -> Broker {
        let storage = Arc::new(MemoryStorage::new(Default::default()));
        let broker = Broker::open(storage, BrokerConfig::default())
            .await
            .unwrap();
        broker
            .create_topic("t", Some(1), TopicConfigUpdate::default())
            .await
            .unwrap();
        broker
    }

    fn fetch(
        fetch_offset: u64,
        last_fetched_epoch: Option<u64>,
        leader_epoch: u64,
    ) -> ReplicaFetchPartition {
        ReplicaFetchPartition {
            topic: "t".into(),
            partition: 0,
            leader_epoch,
            fetch_offset,
            last_fetched_epoch,
            max_bytes: 1 << 20,
        }
    }

    /// Follower 2's fetch of one partition, not waiting.
    async fn fetch_one(
        broker: &Broker,
        part: ReplicaFetchPartition,
    ) -> Result<ReplicaFetched, BrokerError> {
        let request = ReplicaFetch {
            replica_id: 2,
            max_wait_ms: 0,
            max_bytes: 1 << 20,
            partitions: vec![part],
        };
        let mut answers = broker.replica_fetch(request).await;
        assert_eq!(answers.len(), 1);
        answers.remove(0)
    }

    /// A leader in epoch 1 whose log has 3 records of epoch 0 and 2 of its own.
    async fn leader_in_epoch_one() -> Broker {
        let broker = broker_with_topic().await;
        let partition = broker.topic("t").unwrap().partition(0).unwrap();
        let leader = |epoch| LeaderState {
            me: 1,
            epoch,
            isr: vec![1, 2],
            replicas: vec![1, 2],
            min_insync: 1,
            ack_timeout_ms: 5_000,
            since_ms: 0,
            followers: HashMap::new(),
            pending_isr: Vec::new(),
        };
        partition.become_leader(LeaderState {
            isr: vec![1],
            ..leader(0)
        });
        partition.append(records(&["a", "b", "c"])).await.unwrap();
        partition.become_leader(LeaderState {
            isr: vec![1],
            ..leader(1)
        });
        partition.append(records(&["d", "e"])).await.unwrap();
        partition.set_isr(vec![1, 2]);
        broker
    }

    #[tokio::test]
    async fn a_follower_that_diverged_is_told_where_to_truncate() {
        let broker = leader_in_epoch_one().await;
        // The follower wrote offsets 3..6 in epoch 0 (an old leader's unacknowledged suffix):
        // epoch 0 ends at 3 on this leader.
        let answer = fetch_one(&broker, fetch(6, Some(0), 1)).await.unwrap();
        assert_eq!(answer.truncate_to, Some(3));
        assert!(answer.batches.is_empty());
        // Once truncated, it fetches from 3 and gets epoch 1's records with the history.
        let answer = fetch_one(&broker, fetch(3, Some(0), 1)).await.unwrap();
        assert_eq!(answer.truncate_to, None);
        assert_eq!(
            answer.batches.first().map(|b| b.header.base_offset),
            Some(3)
        );
        assert_eq!(answer.epochs.len(), 2);
        // Its fetch from 5 tells the leader it has everything: the high watermark moves.
        fetch_one(&broker, fetch(5, Some(1), 1)).await.unwrap();
        let partition = broker.topic("t").unwrap().partition(0).unwrap();
        assert_eq!(partition.end_offset(), 5);
    }

    #[tokio::test]
    async fn one_fetch_carries_many_partitions_waits_for_any_and_answers_each() {
        let broker = broker_with_topic().await;
        broker
            .create_topic("u", Some(2), TopicConfigUpdate::default())
            .await
            .unwrap();
        let lead = |topic: &str, id: u32| {
            let partition = broker.topic(topic).unwrap().partition(id).unwrap();
            partition.become_leader(LeaderState {
                me: 1,
                epoch: 0,
                isr: vec![1],
                replicas: vec![1, 2],
                min_insync: 1,
                ack_timeout_ms: 5_000,
                since_ms: 0,
                followers: HashMap::new(),
                pending_isr: Vec::new(),
            });
            partition
        };
        let t0 = lead("t", 0);
        let u1 = lead("u", 1);
        // u/0 is led elsewhere: its refusal is its own, the others are answered.
        broker
            .topic("u")
            .unwrap()
            .partition(0)
            .unwrap()
            .become_follower(Some(3), 0);
        let part = |topic: &str, partition| ReplicaFetchPartition {
            topic: topic.into(),
            partition,
            ..fetch(0, None, 0)
        };
        let request = ReplicaFetch {
            replica_id: 2,
            max_wait_ms: 10_000,
            max_bytes: 1 << 20,
            partitions: vec![part("t", 0), part("u", 1)],
        };
        // Nothing written: the fetch waits until a record lands in any of its partitions.
        let waiting = {
            let request = request.clone();
            let broker = &broker;
            async move { broker.replica_fetch(request).await }
        };
        let write = async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            u1.append(records(&["x"])).await.unwrap();
        };
        let started = std::time::Instant::now();
        let (answers, ()) = tokio::join!(waiting, write);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(answers.len(), 2);
        assert!(answers[0].as_ref().unwrap().batches.is_empty());
        assert_eq!(answers[1].as_ref().unwrap().batches.len(), 1);
        // A refusal is answered at once, beside the others.
        t0.append(records(&["y"])).await.unwrap();
        let mut with_refusal = request.clone();
        with_refusal.partitions.insert(1, part("u", 0));
        let answers = broker.replica_fetch(with_refusal).await;
        assert_eq!(answers[0].as_ref().unwrap().batches.len(), 1);
        assert!(matches!(
            answers[1],
            Err(BrokerError::NotLeader {
                leader: Some(3),
                ..
            })
        ));
        assert_eq!(answers[2].as_ref().unwrap().batches.len(), 1);
        // The answer's byte limit: the first partition with records is sent whole, the rest
        // only within what is left (nothing here).
        let small = ReplicaFetch {
            max_bytes: 1,
            ..request
        };
        let answers = broker.replica_fetch(small).await;
        assert_eq!(answers[0].as_ref().unwrap().batches.len(), 1);
        assert!(answers[1].as_ref().unwrap().batches.is_empty());
        assert_eq!(answers[1].as_ref().unwrap().log_end_offset, 1);
    }

    #[tokio::test]
    async fn fetches_in_a_stale_epoch_or_to_a_follower_are_refused() {
        let broker = leader_in_epoch_one().await;
        assert!(fetch_one(&broker, fetch(0, None, 0)).await.is_err());
        let partition = broker.topic("t").unwrap().partition(0).unwrap();
        partition.become_follower(Some(2), 2);
        assert!(matches!(
            fetch_one(&broker, fetch(0, None, 2)).await,
            Err(BrokerError::NotLeader {
                leader: Some(2),
                ..
            })
        ));
        // A follower refuses produces too, naming the leader.
        assert!(matches!(
            partition.append(records(&["x"])).await,
            Err(BrokerError::NotLeader {
                leader: Some(2),
                ..
            })
        ));
    }

    #[tokio::test]
    async fn acks_leader_answers_at_once_but_readers_wait_for_the_isr() {
        let broker = broker_with_topic().await;
        let partition = broker.topic("t").unwrap().partition(0).unwrap();
        // Three replicas, two in sync, and acks=all needs three.
        partition.become_leader(LeaderState {
            me: 1,
            epoch: 0,
            isr: vec![1, 2],
            replicas: vec![1, 2, 3],
            min_insync: 3,
            ack_timeout_ms: 5_000,
            since_ms: 0,
            followers: HashMap::new(),
            pending_isr: Vec::new(),
        });
        let batch = || vec![CheckedBatch::encode(&records(&["x"]))];
        assert!(matches!(
            partition.append_batches_unacked(batch(), Acks::All).await,
            Err(BrokerError::Unavailable(_))
        ));
        let (outcome, wait) = partition
            .append_batches_unacked(batch(), Acks::Leader)
            .await
            .unwrap();
        assert_eq!((outcome[0].base_offset, wait.is_none()), (0, true));
        // Stored on the leader, not yet visible: the in-sync follower has not copied it.
        assert_eq!(partition.log_end_offset(), 1);
        assert_eq!(partition.end_offset(), 0);
        fetch_one(&broker, fetch(1, Some(0), 0)).await.unwrap();
        assert_eq!(partition.end_offset(), 1);
    }

    #[tokio::test]
    async fn a_follower_truncates_and_appends_at_the_leaders_offsets() {
        let broker = broker_with_topic().await;
        let partition = broker.topic("t").unwrap().partition(0).unwrap();
        partition.become_follower(Some(1), 0);
        let stored = |offset, value: &str| StoredBatch::encode(offset, &records(&[value]));
        let epochs = vec![EpochStart {
            epoch: 0,
            start_offset: 0,
        }];
        let fetched = |batches, leader_high_watermark| ReplicaRecords {
            batches,
            leader_high_watermark,
            leader_epochs: epochs.clone(),
        };
        partition
            .append_replica(
                0,
                0,
                fetched(vec![stored(0, "a"), stored(1, "b"), stored(2, "x")], 2),
            )
            .await
            .unwrap();
        assert_eq!((partition.log_end_offset(), partition.end_offset()), (3, 2));
        // Records it has already are skipped; a gap is refused.
        partition
            .append_replica(0, 3, fetched(vec![stored(2, "x")], 2))
            .await
            .unwrap();
        assert!(
            partition
                .append_replica(0, 3, fetched(vec![stored(5, "z")], 2))
                .await
                .is_err()
        );
        // An answer to a fetch made from another log end, or in another epoch, is stale.
        for (epoch, fetch_offset) in [(0, 2), (1, 3)] {
            assert!(matches!(
                partition
                    .append_replica(epoch, fetch_offset, fetched(vec![stored(3, "y")], 3))
                    .await,
                Err(BrokerError::FailedPrecondition(_))
            ));
            assert!(partition.truncate(epoch, fetch_offset, 2).await.is_err());
        }
        assert_eq!(partition.log_end_offset(), 3);
        partition.truncate(0, 3, 2).await.unwrap();
        partition
            .append_replica(0, 2, fetched(vec![stored(2, "c")], 3))
            .await
            .unwrap();
        let values: Vec<_> = partition
            .read(0, 1 << 20)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.record.value)
            .collect();
        assert_eq!(values, vec!["a", "b", "c"]);
        // A joining broker shows nothing until a leader confirms it.
        partition.hide_unconfirmed();
        assert_eq!(partition.end_offset(), 0);
    }

    /// Issue "Acknowledged means kept": a leader paused past its session wakes up, appends the
    /// produce that was waiting for it, learns of the new leader, truncates that batch away and
    /// takes the new leader's high watermark, which covers the batch's offset. The old wait must
    /// fail, not answer Ok at an offset that holds another record.
    #[tokio::test]
    async fn a_deposed_leader_never_acknowledges_a_batch_it_truncated() {
        let broker = broker_with_topic().await;
        let partition = broker.topic("t").unwrap().partition(0).unwrap();
        partition.become_leader(leader(vec![1, 2]));
        let (_, wait) = partition
            .append_batches_unacked(vec![CheckedBatch::encode(&records(&["stale"]))], Acks::All)
            .await
            .unwrap();
        let waiting = tokio::spawn({
            let partition = partition.clone();
            async move { partition.wait_acked(wait.unwrap()).await }
        });
        // Broker 2 leads epoch 1 with another record at offset 0.
        partition.become_follower(Some(2), 1);
        partition.truncate(1, 1, 0).await.unwrap();
        let fetched = ReplicaRecords {
            batches: vec![StoredBatch::encode(0, &records(&["new"]))],
            leader_high_watermark: 1,
            leader_epochs: vec![EpochStart {
                epoch: 1,
                start_offset: 0,
            }],
        };
        partition.append_replica(1, 0, fetched).await.unwrap();
        assert_eq!(partition.end_offset(), 1);
        assert!(matches!(
            waiting.await.unwrap(),
            Err(BrokerError::NotLeader {
                leader: Some(2),
                ..
            })
        ));
    }

    /// A wait ends as soon as the leadership does, even if this broker leads again later.
    #[tokio::test]
    async fn a_wait_fails_when_its_leadership_ends_even_if_a_new_one_begins() {
        let broker = broker_with_topic().await;
        let partition = broker.topic("t").unwrap().partition(0).unwrap();
        partition.become_leader(leader(vec![1, 2]));
        let (_, wait) = partition
            .append_batches_unacked(vec![CheckedBatch::encode(&records(&["x"]))], Acks::All)
            .await
            .unwrap();
        // The same epoch again (an ISR update) is the same leadership.
        partition.become_leader(leader(vec![1, 2, 3]));
        partition.become_follower(None, 0);
        partition.become_leader(LeaderState {
            epoch: 2,
            ..leader(vec![1])
        });
        assert_eq!(partition.end_offset(), 1);
        assert!(matches!(
            partition.wait_acked(wait.unwrap()).await,
            Err(BrokerError::NotLeader { .. })
        ));
    }

    /// The ISR may shrink to the leader alone while a batch waits (followers lagging behind a
    /// slow disk, not dead): the high watermark then passes it with one copy, which is not what
    /// acks=all with min-insync-replicas 2 promised.
    #[tokio::test]
    async fn a_batch_the_high_watermark_passes_on_too_few_replicas_is_not_acknowledged() {
        let broker = broker_with_topic().await;
        let partition = broker.topic("t").unwrap().partition(0).unwrap();
        partition.become_leader(leader(vec![1, 2, 3]));
        let (_, wait) = partition
            .append_batches_unacked(vec![CheckedBatch::encode(&records(&["x"]))], Acks::All)
            .await
            .unwrap();
        partition.set_isr(vec![1]);
        assert_eq!(partition.end_offset(), 1);
        assert!(matches!(
            partition.wait_acked(wait.unwrap()).await,
            Err(BrokerError::Unavailable(reason)) if reason.contains("fewer than the 2")
        ));
        // With a follower that has it, the same wait would have passed.
        partition.set_isr(vec![1, 2]);
        let (_, wait) = partition
            .append_batches_unacked(vec![CheckedBatch::encode(&records(&["y"]))], Acks::All)
            .await
            .unwrap();
        fetch_one(&broker, fetch(2, Some(0), 0)).await.unwrap();
        partition.wait_acked(wait.unwrap()).await.unwrap();
    }

    fn leader(isr: Vec<ReplicaId>) -> LeaderState {
        LeaderState {
            me: 1,
            epoch: 0,
            isr,
            replicas: vec![1, 2, 3],
            min_insync: 2,
            ack_timeout_ms: 1_000,
            since_ms: 0,
            followers: HashMap::new(),
            pending_isr: Vec::new(),
        }
    }

    #[test]
    fn the_high_watermark_is_the_slowest_in_sync_replica() {
        let mut state = leader(vec![1, 2, 3]);
        assert_eq!(state.high_watermark(10), 0);
        state.followers.insert(
            2,
            FollowerProgress {
                log_end: 7,
                caught_up_ms: 0,
                ..FollowerProgress::default()
            },
        );
        state.followers.insert(
            3,
            FollowerProgress {
                log_end: 9,
                caught_up_ms: 0,
                ..FollowerProgress::default()
            },
        );
        assert_eq!(state.high_watermark(10), 7);
        state.isr = vec![1, 3];
        assert_eq!(state.high_watermark(10), 9);
        state.isr = vec![1];
        assert_eq!(state.high_watermark(10), 10);
    }

    #[test]
    fn a_follower_joins_only_holding_the_high_watermark_and_counts_from_the_asking_on() {
        let mut state = leader(vec![1, 2]);
        state.followers.insert(
            2,
            FollowerProgress {
                log_end: 8,
                caught_up_ms: 10_000,
                ..FollowerProgress::default()
            },
        );
        // Broker 3 was caught up a moment ago but lacks records below the high watermark (8):
        // acknowledged records it does not have. It is not taken in yet.
        state.followers.insert(
            3,
            FollowerProgress {
                log_end: 6,
                caught_up_ms: 10_000,
                ..FollowerProgress::default()
            },
        );
        assert_eq!(state.wanted_isr(10_000, 3_000, 10), None);
        state.followers.get_mut(&3).unwrap().log_end = 9;
        assert_eq!(state.wanted_isr(10_000, 3_000, 10), Some(vec![1, 2, 3]));
        // Once asked for, broker 3 holds the high watermark back like an ISR member.
        assert_eq!(state.high_watermark(10), 8);
        state.followers.get_mut(&2).unwrap().log_end = 10;
        state.pending_isr = vec![3];
        assert_eq!(state.high_watermark(10), 9);
        assert_eq!(state.replicas_having(10, 10), 2);
    }

    #[test]
    fn laggards_leave_the_isr_and_caught_up_followers_return() {
        let mut state = leader(vec![1, 2, 3]);
        state.followers.insert(
            2,
            FollowerProgress {
                log_end: 5,
                caught_up_ms: 1_000,
                ..FollowerProgress::default()
            },
        );
        state.followers.insert(
            3,
            FollowerProgress {
                log_end: 5,
                caught_up_ms: 9_000,
                ..FollowerProgress::default()
            },
        );
        assert_eq!(state.wanted_isr(10_000, 3_000, 5), Some(vec![1, 3]));
        state.isr = vec![1, 3];
        assert_eq!(state.wanted_isr(10_000, 3_000, 5), None);
        state.followers.insert(
            2,
            FollowerProgress {
                log_end: 5,
                caught_up_ms: 10_000,
                ..FollowerProgress::default()
            },
        );
        assert_eq!(state.wanted_isr(10_000, 3_000, 5), Some(vec![1, 3, 2]));
    }

    #[test]
    fn a_follower_behind_a_busy_leader_is_caught_up_as_of_its_previous_fetch() {
        let mut progress = FollowerProgress::default();
        // The leader always has a newer batch than the follower's fetch offset...
        progress.on_fetch(0, 10, 1_000);
        assert_eq!(progress.caught_up_ms, 0);
        // ...but each fetch covers what the leader had at the previous one.
        progress.on_fetch(10, 20, 1_050);
        assert_eq!(progress.caught_up_ms, 1_000);
        progress.on_fetch(20, 30, 1_100);
        assert_eq!(progress.caught_up_ms, 1_050);
        // A follower that stops keeping up is not.
        progress.on_fetch(21, 90, 5_000);
        progress.on_fetch(22, 150, 9_000);
        assert_eq!(progress.caught_up_ms, 1_050);
    }

    #[test]
    fn epoch_ends_mark_where_a_follower_diverges() {
        let mut epochs = Vec::new();
        begin_epoch(&mut epochs, 0, 0);
        begin_epoch(&mut epochs, 2, 40);
        begin_epoch(&mut epochs, 2, 50);
        assert_eq!(epochs.len(), 2);
        assert_eq!(end_offset_for_epoch(&epochs, 0, 60), 40);
        assert_eq!(end_offset_for_epoch(&epochs, 1, 60), 40);
        assert_eq!(end_offset_for_epoch(&epochs, 2, 60), 60);
        truncate_epochs(&mut epochs, 40);
        assert_eq!(
            epochs,
            vec![EpochStart {
                epoch: 0,
                start_offset: 0
            }]
        );
    }
}
