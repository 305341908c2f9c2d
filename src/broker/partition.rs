//! One partition as the broker sees it: its log, plus a signal that fires on every append so
//! long-polling fetches and subscribers wake at once instead of polling.
//!
//! In a cluster a partition also has a replica role ([`super::replica`]): readers then see only
//! records below the high watermark (on every in-sync replica), a leader's `acks=all` append
//! returns once its batch is there, and a follower appends what it fetched at the leader's
//! offsets.
//!
//! Two rules keep a deposed leader from acknowledging what the new leader does not have:
//! - every leadership (a leader epoch on this broker, from `become_leader` until the role next
//!   changes) has its own number, and an `acks=all` wait succeeds only while the leadership it
//!   was appended in lasts; the high watermark a follower later takes from its new leader says
//!   nothing about batches it wrote as a leader and then truncated away;
//! - the log gate: leader appends share it, while a follower's truncation and replicated
//!   appends hold it alone and check, under it, that the role and the log end are still the
//!   ones their fetch was made for, so a stale append and a replica write never interleave.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::watch;

use crate::storage::batch::{CheckedBatch, StoredBatch};
use crate::storage::{AppendOutcome, BatchesAppended, PartitionLog, Record, StoredRecord};

use super::BrokerError;
use super::produce::Acks;
use super::replica::{self, EpochStart, FollowerProgress, LeaderState, ReplicaId, ReplicaRole};

/// How long a single broker's answer to a producer's retry waits for the first write of the
/// batch to return (its fsync), before answering UNAVAILABLE for the producer to retry again.
pub const STANDALONE_RETRY_WAIT_MS: u64 = 5_000;

/// What a follower's fetch brought back from its leader.
pub struct ReplicaRecords {
    /// Whole batches as the leader stores them, producer stamps and all, from about the
    /// follower's log end (the first may start before it).
    pub batches: Vec<StoredBatch>,
    pub leader_high_watermark: u64,
    pub leader_epochs: Vec<EpochStart>,
}

/// What an append carries: records the log encodes, or batches already encoded and checked.
enum Payload {
    Records(Vec<Record>),
    Batches(Vec<CheckedBatch>),
}

/// An appended batch still to reach the in-sync replicas.
#[derive(Debug, Clone, Copy)]
pub struct AckWait {
    base_offset: u64,
    /// The high watermark that acknowledges it.
    end: u64,
    /// The leadership it was appended in: only that leadership's high watermark counts.
    leadership: u64,
    deadline: tokio::time::Instant,
    timeout: Duration,
}

/// A partition's log and its append notifications.
pub struct Partition {
    pub id: u32,
    log: Arc<dyn PartitionLog>,
    /// One past the last record readers may see: the last acknowledged record alone, or the
    /// high watermark in a cluster. Published after every change.
    end_offset: watch::Sender<u64>,
    /// One past the last record durable in the local log (what followers fetch up to).
    log_end: watch::Sender<u64>,
    role: Mutex<ReplicaRole>,
    /// Numbers this broker's leaderships of the partition: changed, under the role lock, whenever
    /// the role changes other than to the same leader epoch again.
    leadership: watch::Sender<u64>,
    /// Leader appends share it; a follower's truncations and replicated appends take it alone.
    log_gate: tokio::sync::RwLock<()>,
    /// The leader-epoch history of the local log.
    epochs: Mutex<Vec<EpochStart>>,
    /// Set whenever `epochs` is written, so the cluster saves the histories only when one may
    /// have changed ([`Partition::take_epochs_changed`]).
    epochs_changed: AtomicBool,
    /// Records from this offset on are not to be trusted here though the log holds them (their
    /// leader-epoch history was lost): a follower drops them and copies them back.
    unverified_from: Mutex<Option<u64>>,
    /// Turns true once the partition's topic is deleted: waiting readers end at once.
    deleted: watch::Sender<bool>,
}

impl Partition {
    pub fn new(id: u32, log: Arc<dyn PartitionLog>) -> Self {
        let (end_offset, _) = watch::channel(log.end_offset());
        let (log_end, _) = watch::channel(log.end_offset());
        Partition {
            id,
            log,
            end_offset,
            log_end,
            role: Mutex::new(ReplicaRole::Standalone),
            leadership: watch::channel(0).0,
            log_gate: tokio::sync::RwLock::new(()),
            epochs: Mutex::new(Vec::new()),
            epochs_changed: AtomicBool::new(false),
            unverified_from: Mutex::new(None),
            deleted: watch::channel(false).0,
        }
    }

    /// Marks the partition's topic deleted, waking every reader waiting for records: each ends
    /// with "not found" at once instead of waiting out its time for a log that is gone.
    pub fn mark_deleted(&self) {
        self.deleted.send_replace(true);
    }

    /// Whether the partition's topic has been deleted.
    pub fn is_deleted(&self) -> bool {
        *self.deleted.borrow()
    }

    /// Sets the role; a change other than to the same leader epoch starts a new leadership,
    /// which fails every `acks=all` wait of the old one.
    fn set_role(&self, role: &mut ReplicaRole, new: ReplicaRole) {
        let same_leadership = matches!(
            (&*role, &new),
            (ReplicaRole::Leader(old), ReplicaRole::Leader(next)) if old.epoch == next.epoch
        );
        *role = new;
        if !same_leadership {
            self.leadership.send_modify(|n| *n += 1);
        }
    }

    /// The leader to name when a write is refused: the one this broker follows, if any.
    fn known_leader(&self) -> Option<ReplicaId> {
        match &*self.role_mut() {
            ReplicaRole::Follower { leader, .. } => *leader,
            _ => None,
        }
    }

    fn role_mut(&self) -> MutexGuard<'_, ReplicaRole> {
        self.role.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The history to change: marked changed.
    fn epochs_mut(&self) -> MutexGuard<'_, Vec<EpochStart>> {
        let epochs = self.epochs.lock().unwrap_or_else(|e| e.into_inner());
        self.epochs_changed.store(true, Ordering::Release);
        epochs
    }

    /// Appends one batch on a blocking thread (the log may fsync) and wakes waiting readers.
    /// A cluster leader first checks that enough replicas are in sync, and answers once the
    /// batch is on all of them (`acks=all`); a follower refuses.
    pub async fn append(&self, records: Vec<Record>) -> Result<AppendOutcome, BrokerError> {
        let (outcome, wait) = self.append_unacked(records).await?;
        if let Some(wait) = wait {
            self.wait_acked(wait).await?;
        }
        Ok(outcome)
    }

    /// [`Partition::append`] without waiting for the in-sync replicas: returns what to wait
    /// for, when there is anything (a cluster leader), so a stream can append its next batch
    /// meanwhile.
    pub async fn append_unacked(
        &self,
        records: Vec<Record>,
    ) -> Result<(AppendOutcome, Option<AckWait>), BrokerError> {
        let (placed, wait) = self
            .append_payload_unacked(Payload::Records(records), Acks::All)
            .await?;
        let outcome = placed
            .first()
            .copied()
            .ok_or_else(|| BrokerError::Internal("an append placed no batch".into()))?;
        Ok((outcome, wait))
    }

    /// Appends batches producers encoded (already checked) in one write, and answers once
    /// they are acknowledged, like [`Partition::append`]: where each batch is (a producer's
    /// retry of a batch already here is placed where it was written).
    pub async fn append_batches(
        &self,
        batches: Vec<CheckedBatch>,
    ) -> Result<Vec<AppendOutcome>, BrokerError> {
        let (placed, wait) = self.append_batches_unacked(batches, Acks::All).await?;
        if let Some(wait) = wait {
            self.wait_acked(wait).await?;
        }
        Ok(placed)
    }

    /// [`Partition::append_batches`] without waiting for the in-sync replicas; with
    /// [`Acks::Leader`] there is nothing to wait for (but a retry's first write).
    pub async fn append_batches_unacked(
        &self,
        batches: Vec<CheckedBatch>,
        acks: Acks,
    ) -> Result<(Vec<AppendOutcome>, Option<AckWait>), BrokerError> {
        self.append_payload_unacked(Payload::Batches(batches), acks)
            .await
    }

    /// Whether this broker may append now: its leadership's number and, for a cluster leader,
    /// how long an `acks=all` append may wait for the ISR.
    fn check_can_append(&self, acks: Acks) -> Result<(u64, Option<Duration>), BrokerError> {
        let role = self.role_mut();
        // Read under the role lock, which every change of leadership holds.
        let leadership = *self.leadership.borrow();
        let ack_timeout = match &*role {
            ReplicaRole::Standalone => None,
            ReplicaRole::Follower { leader, .. } => {
                return Err(BrokerError::NotLeader {
                    partition: self.id,
                    leader: *leader,
                });
            }
            ReplicaRole::Suspended { epoch } => {
                return Err(BrokerError::Unavailable(format!(
                    "partition {} is led by this broker in epoch {epoch}, but no heartbeat of its was committed within the session timeout (is the metadata quorum reachable?); it acknowledges nothing until one is",
                    self.id
                )));
            }
            ReplicaRole::Leader(state) => {
                // Like Kafka's min.insync.replicas, the floor holds for acks=all only.
                if acks == Acks::All && state.isr.len() < state.min_insync {
                    return Err(BrokerError::Unavailable(format!(
                        "partition {} has {} in-sync replicas ({:?}), fewer than the {} acks=all needs",
                        self.id,
                        state.isr.len(),
                        state.isr,
                        state.min_insync
                    )));
                }
                Some(Duration::from_millis(state.ack_timeout_ms))
            }
        };
        Ok((leadership, ack_timeout))
    }

    async fn append_payload_unacked(
        &self,
        payload: Payload,
        acks: Acks,
    ) -> Result<(Vec<AppendOutcome>, Option<AckWait>), BrokerError> {
        // The leadership the request arrived in: one that waited for the gate across a change of
        // leadership (this broker a follower meanwhile, then leading again) is refused, never
        // appended after writes its producer made later (seen in the nemesis long form: a
        // pinned producer's write landed seconds after its next one).
        let arrived_in = *self.leadership.borrow();
        // Held across the write: a follower's truncation waits until it has landed.
        let _gate = self.log_gate.read().await;
        let (leadership, ack_timeout) = self.check_can_append(acks)?;
        if leadership != arrived_in {
            return Err(BrokerError::NotLeader {
                partition: self.id,
                leader: self.known_leader(),
            });
        }
        let log = self.log.clone();
        let appended = tokio::task::spawn_blocking(move || match payload {
            Payload::Records(records) => log.append(&records).map(|outcome| BatchesAppended {
                placed: vec![outcome],
                written: Some(outcome),
            }),
            Payload::Batches(batches) => log.append_batches(&batches),
        })
        .await
        .map_err(|e| BrokerError::Internal(format!("append task failed: {e}")))??;
        let BatchesAppended { placed, written } = appended;
        // Appends can finish out of order; the end only moves forward. With group commit a later
        // batch is never durable before an earlier one, so the maximum is durable throughout.
        if let Some(written) = written {
            let written_end = written.last_offset + 1;
            self.log_end.send_if_modified(|end| {
                let moved = written_end > *end;
                *end = (*end).max(written_end);
                moved
            });
        }
        // What answers the producer: its batches' ends, a retry's as much as a new write's (a
        // retry may come while the first write still waits for its fsync or the ISR).
        let Some(acked_end) = placed.iter().map(|p| p.last_offset + 1).max() else {
            return Ok((placed, None));
        };
        let base_offset = placed.iter().map(|p| p.base_offset).min().unwrap_or(0);
        match ack_timeout {
            None => {
                if let Some(written) = written {
                    self.advance_visible_end(written.last_offset + 1);
                }
                // A retry of a batch whose first write has not returned yet: answered once it has.
                let wait = (acked_end > self.end_offset()).then(|| AckWait {
                    base_offset,
                    end: acked_end,
                    leadership,
                    deadline: tokio::time::Instant::now()
                        + Duration::from_millis(STANDALONE_RETRY_WAIT_MS),
                    timeout: Duration::from_millis(STANDALONE_RETRY_WAIT_MS),
                });
                Ok((placed, wait))
            }
            Some(timeout) => {
                self.update_high_watermark();
                let wait = (acks == Acks::All).then(|| AckWait {
                    base_offset,
                    end: acked_end,
                    leadership,
                    deadline: tokio::time::Instant::now() + timeout,
                    timeout,
                });
                Ok((placed, wait))
            }
        }
    }

    /// Waits until an appended batch is on every in-sync replica (below the high watermark) of
    /// the leadership it was appended in. NOT_LEADER when that leadership ends first (the batch
    /// may have been truncated away: it is not acknowledged); UNAVAILABLE when it takes longer
    /// than the leader's ack timeout.
    pub async fn wait_acked(&self, wait: AckWait) -> Result<(), BrokerError> {
        let mut visible = self.end_offset.subscribe();
        let mut leadership = self.leadership.subscribe();
        let on_isr = tokio::time::timeout_at(wait.deadline, async {
            tokio::select! {
                reached = visible.wait_for(|hw| *hw >= wait.end) => reached.is_ok(),
                _ = leadership.wait_for(|n| *n != wait.leadership) => false,
            }
        })
        .await;
        // Checked after the wait too: as a follower the visible end moves to the new leader's
        // high watermark, which may cover offsets that now hold other records.
        if *self.leadership.borrow() != wait.leadership {
            return Err(BrokerError::NotLeader {
                partition: self.id,
                leader: self.known_leader(),
            });
        }
        if !matches!(on_isr, Ok(true)) {
            return Err(BrokerError::Unavailable(format!(
                "the batch at offset {} of partition {} did not reach every in-sync replica within {} ms; it is not acknowledged",
                wait.base_offset,
                self.id,
                wait.timeout.as_millis()
            )));
        }
        // The high watermark passes a batch once it is on the ISR, however small the ISR has
        // become meanwhile (Kafka's NOT_ENOUGH_REPLICAS_AFTER_APPEND): the floor counts too.
        let log_end = self.log_end_offset();
        if let ReplicaRole::Leader(state) = &*self.role_mut() {
            let copies = state.replicas_having(wait.end, log_end);
            if copies < state.min_insync {
                return Err(BrokerError::Unavailable(format!(
                    "the batch at offset {} of partition {} is on {copies} in-sync replicas ({:?}), fewer than the {} acks=all needs; it is not acknowledged",
                    wait.base_offset, self.id, state.isr, state.min_insync
                )));
            }
        }
        Ok(())
    }

    fn advance_visible_end(&self, to: u64) {
        self.end_offset.send_if_modified(|end| {
            let moved = to > *end;
            *end = (*end).max(to);
            moved
        });
    }

    /// Recomputes a leader's high watermark from its followers' progress.
    fn update_high_watermark(&self) {
        let log_end = self.log_end_offset();
        if let ReplicaRole::Leader(state) = &*self.role_mut() {
            let hw = state.high_watermark(log_end);
            self.advance_visible_end(hw);
        }
    }

    /// Reads acknowledged whole batches from `from_offset`, as stored (see
    /// [`PartitionLog::read_batches`]); like [`Partition::read`], nothing unacknowledged.
    pub async fn read_batches(
        &self,
        from_offset: u64,
        max_bytes: usize,
    ) -> Result<Vec<StoredBatch>, BrokerError> {
        let log = self.log.clone();
        let end = self.end_offset();
        let mut batches =
            tokio::task::spawn_blocking(move || log.read_batches(from_offset, max_bytes))
                .await
                .map_err(|e| BrokerError::Internal(format!("read task failed: {e}")))??;
        // A batch is served only once all of it is visible (acknowledged, or below the high
        // watermark in a cluster).
        let visible = batches.partition_point(|b| b.header.next_offset() <= end);
        batches.truncate(visible);
        Ok(batches)
    }

    /// Reads acknowledged records from `from_offset` on a blocking thread. Records written but
    /// not yet acknowledged (still waiting for their fsync, or not yet on every in-sync
    /// replica) are never returned: a reader must not see what a failure could take back.
    pub async fn read(
        &self,
        from_offset: u64,
        max_bytes: usize,
    ) -> Result<Vec<StoredRecord>, BrokerError> {
        self.read_below(from_offset, max_bytes, self.end_offset())
            .await
    }

    /// Reads durable whole batches past the high watermark too, as stored: what a follower
    /// replicates (batch by batch, so it keeps the producers' stamps and answers their retries
    /// as this leader would).
    pub async fn read_replica(
        &self,
        from_offset: u64,
        max_bytes: usize,
    ) -> Result<Vec<StoredBatch>, BrokerError> {
        let log = self.log.clone();
        let end = self.log_end_offset();
        let mut batches =
            tokio::task::spawn_blocking(move || log.read_batches(from_offset, max_bytes))
                .await
                .map_err(|e| BrokerError::Internal(format!("read task failed: {e}")))??;
        let durable = batches.partition_point(|b| b.header.next_offset() <= end);
        batches.truncate(durable);
        Ok(batches)
    }

    async fn read_below(
        &self,
        from_offset: u64,
        max_bytes: usize,
        end: u64,
    ) -> Result<Vec<StoredRecord>, BrokerError> {
        let log = self.log.clone();
        let mut records = tokio::task::spawn_blocking(move || log.read(from_offset, max_bytes))
            .await
            .map_err(|e| BrokerError::Internal(format!("read task failed: {e}")))??;
        let visible = records.partition_point(|r| r.offset < end);
        records.truncate(visible);
        Ok(records)
    }

    /// The first offset at or after `timestamp_ms`, or the end of the log when there is none.
    pub async fn offset_for_timestamp(&self, timestamp_ms: i64) -> Result<u64, BrokerError> {
        let log = self.log.clone();
        let found = tokio::task::spawn_blocking(move || log.offset_for_timestamp(timestamp_ms))
            .await
            .map_err(|e| BrokerError::Internal(format!("lookup task failed: {e}")))??;
        let end = self.end_offset();
        Ok(found.map_or(end, |offset| offset.min(end)))
    }

    /// Waits until the log's end offset passes `offset`, `max_wait` elapses, or the topic is
    /// deleted ([`Partition::is_deleted`] tells).
    pub async fn wait_for_records_after(&self, offset: u64, max_wait: Duration) {
        let mut end = self.end_offset.subscribe();
        let mut deleted = self.deleted.subscribe();
        let _ = tokio::time::timeout(max_wait, async {
            tokio::select! {
                _ = end.wait_for(|end| *end > offset) => {}
                _ = deleted.wait_for(|deleted| *deleted) => {}
            }
        })
        .await;
    }

    /// Waits until the local log's end passes `offset`, or `max_wait` elapses.
    pub async fn wait_for_log_after(&self, offset: u64, max_wait: Duration) {
        let mut end = self.log_end.subscribe();
        let _ = tokio::time::timeout(max_wait, end.wait_for(|end| *end > offset)).await;
    }

    pub fn start_offset(&self) -> u64 {
        self.log.start_offset()
    }

    /// One past the last acknowledged record: what readers may see.
    pub fn end_offset(&self) -> u64 {
        *self.end_offset.borrow()
    }

    /// [`Partition::end_offset`] when this broker is the one to say it: a single broker or the
    /// partition's leader. A follower learns its leader's high watermark a fetch late, and a
    /// broker without a replica keeps an empty placeholder, so neither says.
    pub fn leader_end_offset(&self) -> Option<u64> {
        match &*self.role_mut() {
            ReplicaRole::Follower { .. } | ReplicaRole::Suspended { .. } => None,
            ReplicaRole::Standalone | ReplicaRole::Leader(_) => Some(self.end_offset()),
        }
    }

    /// One past the last durable record of the local log.
    pub fn log_end_offset(&self) -> u64 {
        *self.log_end.borrow()
    }

    pub fn size_bytes(&self) -> u64 {
        self.log.size_bytes()
    }

    /// The underlying log, for maintenance work (retention, flush, close) on blocking threads.
    pub fn log(&self) -> &Arc<dyn PartitionLog> {
        &self.log
    }

    /// This broker's replica role.
    pub fn role(&self) -> ReplicaRole {
        self.role_mut().clone()
    }

    /// Where this broker's copy stops being good: its log's first damaged batch, or where
    /// records whose history was lost begin, whichever comes first. Readers get an error, never
    /// a record, from there on; a follower truncates there and copies the rest back.
    pub fn damaged_from(&self) -> Option<u64> {
        let unverified = *self.unverified_mut();
        [self.log.damaged_from(), unverified]
            .into_iter()
            .flatten()
            .min()
    }

    /// Marks every record from `offset` on as not to be trusted (see [`Partition::damaged_from`]).
    pub fn distrust_from(&self, offset: u64) {
        let mut unverified = self.unverified_mut();
        *unverified = Some(unverified.map_or(offset, |o| o.min(offset)));
    }

    fn unverified_mut(&self) -> MutexGuard<'_, Option<u64>> {
        self.unverified_from
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// The leader-epoch history of the local log.
    pub fn epochs(&self) -> Vec<EpochStart> {
        self.epochs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Whether the leader-epoch history was written since the last call.
    pub fn take_epochs_changed(&self) -> bool {
        self.epochs_changed.swap(false, Ordering::AcqRel)
    }

    /// Restores the leader-epoch history kept across restarts, without the epochs that start
    /// past the log's end: recovery may have cut a damaged or torn tail the history still covers,
    /// and a follower's last epoch must be that of its last record.
    pub fn set_epochs(&self, mut epochs: Vec<EpochStart>) {
        let log_end = self.log.end_offset();
        epochs.retain(|e| e.start_offset < log_end || e.start_offset == 0);
        *self.epochs_mut() = epochs;
    }

    /// Leads the partition in `epoch`: records where the epoch starts in the log. The high
    /// watermark starts where it was; followers move it on as they fetch.
    pub fn become_leader(&self, mut state: LeaderState) {
        replica::begin_epoch(&mut self.epochs_mut(), state.epoch, self.log_end_offset());
        let mut role = self.role_mut();
        if let ReplicaRole::Leader(old) = &*role
            && old.epoch == state.epoch
        {
            state.followers = old.followers.clone();
            state.pending_isr = old.pending_isr.clone();
        }
        self.set_role(&mut role, ReplicaRole::Leader(state));
        drop(role);
        self.update_high_watermark();
    }

    /// Hides every record until replication confirms it: a broker joining a cluster does not
    /// know which of its records the in-sync replicas have (its log may end in a suffix that was
    /// never acknowledged), so readers see nothing new until a leader's high watermark says so.
    pub fn hide_unconfirmed(&self) {
        let start = self.start_offset();
        self.end_offset.send_modify(|end| *end = (*end).min(start));
    }

    /// Follows `leader` in `epoch`.
    pub fn become_follower(&self, leader: Option<ReplicaId>, epoch: u64) {
        let mut role = self.role_mut();
        self.set_role(&mut role, ReplicaRole::Follower { leader, epoch });
    }

    /// Stops leading in `epoch` until [`Partition::become_leader`] again: this broker cannot
    /// tell whether the controller has given the partition to another replica.
    pub fn suspend_leadership(&self, epoch: u64) {
        let mut role = self.role_mut();
        self.set_role(&mut role, ReplicaRole::Suspended { epoch });
    }

    /// Fails unless this broker follows the partition in `epoch` and its log ends at
    /// `fetch_offset`: what a fetch's answer is applied to must be what the fetch was made from.
    fn check_fetched_for(&self, epoch: u64, fetch_offset: u64) -> Result<(), BrokerError> {
        // A produce whose caller went away may have written without publishing the log's end;
        // as a follower nothing else writes, so the log's own end is the one to fetch from.
        let written_end = self.log.end_offset();
        self.log_end.send_if_modified(|end| {
            let moved = written_end > *end;
            *end = (*end).max(written_end);
            moved
        });
        let following =
            matches!(&*self.role_mut(), ReplicaRole::Follower { epoch: e, .. } if *e == epoch);
        let log_end = self.log_end_offset();
        if !following || log_end != fetch_offset {
            return Err(BrokerError::FailedPrecondition(format!(
                "partition {}: a fetch made from offset {fetch_offset} as a follower in epoch {epoch} is stale (log end {log_end}, role {:?})",
                self.id,
                self.role_mut()
            )));
        }
        Ok(())
    }

    /// A leader's ISR as the metadata now has it (the followers it asked to add that are in it
    /// are no longer pending).
    pub fn set_isr(&self, isr: Vec<ReplicaId>) {
        if let ReplicaRole::Leader(state) = &mut *self.role_mut() {
            state.pending_isr.retain(|r| !isr.contains(r));
            state.isr = isr;
        }
        self.update_high_watermark();
    }

    /// A leader is about to ask the controller to add `followers` to the ISR: from now on its
    /// acknowledgements wait for them too ([`LeaderState::pending_isr`]).
    pub fn ask_isr_additions(&self, followers: &[ReplicaId]) {
        if let ReplicaRole::Leader(state) = &mut *self.role_mut() {
            for follower in followers {
                if !state.isr.contains(follower) && !state.pending_isr.contains(follower) {
                    state.pending_isr.push(*follower);
                }
            }
        }
    }

    /// The controller will not add `followers` (it refused, or the leader no longer asks):
    /// acknowledgements stop waiting for them.
    pub fn drop_isr_additions(&self, followers: &[ReplicaId]) {
        if let ReplicaRole::Leader(state) = &mut *self.role_mut() {
            state.pending_isr.retain(|r| !followers.contains(r));
        }
        self.update_high_watermark();
    }

    /// A leader's replica list as the metadata now has it (a move adds replicas and drops
    /// others within one leader epoch): it tracks the new ones' progress to take them into the
    /// ISR, and forgets the ones gone.
    pub fn set_replicas(&self, replicas: Vec<ReplicaId>) {
        if let ReplicaRole::Leader(state) = &mut *self.role_mut() {
            state.followers.retain(|id, _| replicas.contains(id));
            state.replicas = replicas;
        }
    }

    /// A leader learns that `follower` fetched from `fetch_offset` (so it has every record
    /// below it), moving the high watermark.
    pub fn replica_fetched(&self, follower: ReplicaId, fetch_offset: u64) {
        let log_end = self.log_end_offset();
        if let ReplicaRole::Leader(state) = &mut *self.role_mut() {
            state
                .followers
                .entry(follower)
                .or_insert(FollowerProgress::default())
                .on_fetch(fetch_offset, log_end, super::monotonic_ms());
        }
        self.update_high_watermark();
    }

    /// A follower in `epoch` appends records it fetched from its leader from `fetch_offset`, at
    /// the leader's offsets, then moves its visible end to the leader's high watermark and takes
    /// the leader's epoch history. A stale answer (the role or the log end changed since the
    /// fetch) is refused: the next fetch starts from what the log is now.
    pub async fn append_replica(
        &self,
        epoch: u64,
        fetch_offset: u64,
        fetched: ReplicaRecords,
    ) -> Result<(), BrokerError> {
        let ReplicaRecords {
            batches,
            leader_high_watermark,
            leader_epochs,
        } = fetched;
        let _gate = self.log_gate.write().await;
        self.check_fetched_for(epoch, fetch_offset)?;
        let log_end = self.log_end_offset();
        let batches = batches_from(batches, log_end).map_err(|e| {
            BrokerError::Internal(format!(
                "partition {}: a replicated batch is damaged: {e}",
                self.id
            ))
        })?;
        if let Some(first) = batches.first() {
            let contiguous = first.header().base_offset == log_end
                && batches
                    .windows(2)
                    .all(|w| w[1].header().base_offset == w[0].header().next_offset());
            if !contiguous {
                return Err(BrokerError::Internal(format!(
                    "replicated batches of partition {} are not contiguous from the log end {log_end}",
                    self.id
                )));
            }
            let log = self.log.clone();
            let outcome = tokio::task::spawn_blocking(move || log.append_replicated(&batches))
                .await
                .map_err(|e| BrokerError::Internal(format!("append task failed: {e}")))??;
            if outcome.base_offset != log_end {
                return Err(BrokerError::Internal(format!(
                    "partition {}: replicated batch landed at {}, expected {log_end}",
                    self.id, outcome.base_offset
                )));
            }
            self.log_end.send_replace(outcome.last_offset + 1);
        }
        let log_end = self.log_end_offset();
        let mut epochs = leader_epochs;
        epochs.retain(|e| e.start_offset < log_end || e.start_offset == 0);
        if self.epochs() != epochs {
            *self.epochs_mut() = epochs;
        }
        self.advance_visible_end(leader_high_watermark.min(log_end));
        Ok(())
    }

    /// Removes every record at or after `offset` (a follower's unacknowledged suffix that its
    /// new leader does not have), as the follower in `epoch` whose fetch from `fetch_offset`
    /// was told to; refused when that fetch is stale.
    pub async fn truncate(
        &self,
        epoch: u64,
        fetch_offset: u64,
        offset: u64,
    ) -> Result<(), BrokerError> {
        let _gate = self.log_gate.write().await;
        self.check_fetched_for(epoch, fetch_offset)?;
        let log = self.log.clone();
        tokio::task::spawn_blocking(move || log.truncate(offset))
            .await
            .map_err(|e| BrokerError::Internal(format!("truncate task failed: {e}")))??;
        {
            let mut unverified = self.unverified_mut();
            if unverified.is_some_and(|o| o >= offset) {
                *unverified = None;
            }
        }
        if offset >= self.log_end_offset() {
            return Ok(());
        }
        self.log_end.send_replace(offset);
        self.end_offset.send_modify(|end| *end = (*end).min(offset));
        replica::truncate_epochs(&mut self.epochs_mut(), offset);
        Ok(())
    }
}

/// The leader's batches from `log_end` on, checked (framing, CRC, records; no record limits: the
/// leader checked those). A first batch that starts before `log_end` (this log was cut inside
/// it, or copied record by record by an older version) is cut to its records from `log_end`,
/// without its producer stamp, which no longer matches it.
fn batches_from(
    batches: Vec<StoredBatch>,
    log_end: u64,
) -> Result<Vec<CheckedBatch>, crate::storage::StorageError> {
    let unlimited = crate::storage::RecordLimits {
        max_record_bytes: usize::MAX,
        max_batch_bytes: usize::MAX,
        max_headers_per_record: usize::MAX,
    };
    let mut checked = Vec::with_capacity(batches.len());
    for batch in batches {
        if batch.header.next_offset() <= log_end {
            continue;
        }
        if batch.header.base_offset < log_end {
            let decoded = crate::storage::batch::decode(batch.bytes)?;
            let records: Vec<Record> = decoded
                .records
                .into_iter()
                .filter(|r| r.offset >= log_end)
                .map(|r| r.record)
                .collect();
            let cut = StoredBatch::encode(log_end, &records);
            checked.push(CheckedBatch::check(cut.bytes, &unlimited)?);
            continue;
        }
        checked.push(CheckedBatch::check(batch.bytes, &unlimited)?);
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::RecordLimits;
    use crate::storage::memory::MemoryLog;

    fn record(value: &'static str) -> Record {
        Record {
            timestamp_ms: 1,
            key: None,
            value: bytes::Bytes::from_static(value.as_bytes()),
            headers: Vec::new(),
        }
    }

    fn leading(epoch: u64) -> LeaderState {
        LeaderState {
            me: 1,
            epoch,
            isr: vec![1],
            replicas: vec![1],
            min_insync: 1,
            ack_timeout_ms: 1_000,
            since_ms: 0,
            followers: std::collections::HashMap::new(),
            pending_isr: Vec::new(),
        }
    }

    /// A produce that waited for the log gate while this broker stopped leading (a follower's
    /// write held it) and led again is refused, not appended in the new leadership after writes
    /// its producer made meanwhile.
    #[tokio::test]
    async fn an_append_that_waited_across_a_change_of_leadership_is_refused() {
        let log = Arc::new(MemoryLog::new(RecordLimits::default()));
        let partition = Arc::new(Partition::new(0, log));
        partition.become_leader(leading(1));
        let gate = partition.log_gate.write().await;
        let waiting = tokio::spawn({
            let partition = partition.clone();
            async move { partition.append(vec![record("stale")]).await }
        });
        tokio::task::yield_now().await;
        partition.become_follower(Some(2), 2);
        partition.become_leader(leading(3));
        drop(gate);
        let refused = waiting.await.unwrap();
        assert!(
            matches!(refused, Err(BrokerError::NotLeader { .. })),
            "{refused:?}"
        );
        partition.append(vec![record("fresh")]).await.unwrap();
        let read = partition.read(0, 1 << 20).await.unwrap();
        assert_eq!(read.len(), 1, "only the fresh write is in the log");
    }

    #[tokio::test]
    async fn records_not_yet_acknowledged_are_invisible() {
        let log = Arc::new(MemoryLog::new(RecordLimits::default()));
        let partition = Partition::new(0, log.clone());
        partition.append(vec![record("acked")]).await.unwrap();
        // A write whose append has not returned yet (its fsync still pending) looks like this.
        log.append(&[record("in flight")]).unwrap();
        let read = partition.read(0, 1 << 20).await.unwrap();
        assert_eq!(read.len(), 1);
        assert_eq!(partition.end_offset(), 1);
        assert_eq!(partition.offset_for_timestamp(1).await.unwrap(), 0);
        assert_eq!(partition.offset_for_timestamp(2).await.unwrap(), 1);
    }
}
