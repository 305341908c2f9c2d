//! The reconciler: local topics and partition roles as the metadata says, the ISR kept, and
//! damaged partitions handed over.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::broker::partition::Partition;
use crate::broker::replica::{EpochStart, LeaderState, ReplicaRole, begin_epoch};
use crate::broker::{BrokerError, monotonic_ms};

use crate::cluster::state::{MetaCommand, MetaResponse, NodeId, TopicRecord};

use super::*;

/// A partition to lead in a new epoch, once its history is saved.
struct Leading {
    /// Its key in the epoch histories file.
    key: String,
    /// Its history with the new epoch's start.
    epochs: Vec<EpochStart>,
    /// Its log's end when the history was made: where the new epoch starts.
    log_end: u64,
    partition: Arc<Partition>,
    state: LeaderState,
}

impl Replication {
    /// One pass: local topics and roles as the metadata says. False when something was left
    /// undone (a local topic not created or deleted, a leadership not taken).
    pub(super) async fn reconcile(self: &Arc<Self>) -> bool {
        let mut settled = true;
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
            {
                let mut followers = self.followers.lock().unwrap_or_else(|e| e.into_inner());
                for key in followers.of_topic(name) {
                    followers.stop(&key);
                }
            }
            match self.broker.delete_topic(name).await {
                Ok(()) | Err(BrokerError::TopicNotFound(_)) => {}
                Err(e) => {
                    settled = false;
                    tracing::warn!(topic = name, error = %e, "cannot delete the local replica")
                }
            }
        }
        // Partitions to lead in a new epoch: led together after the pass, once their histories
        // are saved.
        let mut to_lead = Vec::new();
        for topic in topics.values() {
            // A topic with no replica here is skipped unless a copy is here still (a move took
            // the replicas away): those partitions must stop leading and following too.
            if !topic.partitions.iter().any(|p| p.replicas.contains(&me))
                && self.broker.topic(&topic.name).is_err()
            {
                continue;
            }
            if let Err(e) = self.ensure_local_topic(topic).await {
                tracing::warn!(topic = topic.name, error = %e, "cannot create the local replica");
                settled = false;
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
                            if current.replicas != assignment.replicas {
                                partition.set_replicas(assignment.replicas.clone());
                            }
                            if current.isr != assignment.isr {
                                partition.set_isr(assignment.isr.clone());
                            }
                        }
                        _ => {
                            let mut epochs = partition.epochs();
                            begin_epoch(
                                &mut epochs,
                                assignment.leader_epoch,
                                partition.log_end_offset(),
                            );
                            let state = LeaderState {
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
                                pending_isr: Vec::new(),
                            };
                            to_lead.push(Leading {
                                key: epochs_key(&topic.name, index as u32),
                                epochs,
                                log_end: partition.log_end_offset(),
                                partition: partition.clone(),
                                state,
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
                            // A move's throttle paces this copy while the move adds it and it
                            // is not yet in sync.
                            let throttled = assignment
                                .reassignment
                                .as_ref()
                                .is_some_and(|r| r.throttle_bytes_per_s > 0)
                                && assignment.catching_up().contains(&me);
                            let session = SessionKey { leader, throttled };
                            self.ensure_follower(key, session, assignment.leader_epoch)
                        }
                        _ => self.stop_follower(&key),
                    }
                }
            }
        }
        self.lead(to_lead).await && settled
    }

    /// Leads `partitions` (each with its history as it is about to become and its new state)
    /// once those histories are on disk: where a new epoch starts must be saved before any
    /// record of it can be written, since the log does not say which epoch wrote a batch, so
    /// records of a leader that crashed before its history was saved would pass for the previous
    /// epoch's and no follower could tell that its next leader holds others at those offsets.
    /// One save for all of them: each is a whole-file write and an fsync. When the save fails,
    /// they are led on a later pass (false: one of them is left for it).
    async fn lead(&self, partitions: Vec<Leading>) -> bool {
        if partitions.is_empty() {
            return true;
        }
        let pending = partitions
            .iter()
            .map(|p| (p.key.clone(), p.epochs.clone()))
            .collect();
        if !self.save_epochs_with(pending).await {
            return false;
        }
        let mut all = true;
        for leading in partitions {
            // A copy applied after the plan was made (a fetch in flight) moved the log's end
            // past the saved start: led on a later pass, from the end it has then.
            if leading.partition.log_end_offset() != leading.log_end {
                all = false;
                continue;
            }
            tracing::info!(
                partition = leading.key,
                epoch = leading.state.epoch,
                "leading"
            );
            leading.partition.become_leader(leading.state);
        }
        all
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

    fn ensure_follower(self: &Arc<Self>, key: PartitionKey, session: SessionKey, epoch: u64) {
        self.followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .follow(self, key, session, epoch);
    }

    fn stop_follower(&self, key: &PartitionKey) {
        self.followers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .stop(key);
    }

    /// As a leader: asks the controller to drop lagging followers from the ISR and to take back
    /// caught-up ones.
    pub(super) async fn maintain_isr(&self) {
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
                let wanted = state.wanted_isr(monotonic_ms(), lag, partition.log_end_offset());
                // Asked-for additions no longer wanted (the follower fell behind again before
                // the change was made) stop holding acknowledgements back.
                let stale: Vec<NodeId> = state
                    .pending_isr
                    .iter()
                    .copied()
                    .filter(|r| wanted.as_ref().is_none_or(|w| !w.contains(r)))
                    .collect();
                if !stale.is_empty() {
                    partition.drop_isr_additions(&stale);
                }
                let Some(isr) = wanted else {
                    continue;
                };
                let additions: Vec<NodeId> = isr
                    .iter()
                    .copied()
                    .filter(|r| !state.isr.contains(r))
                    .collect();
                // Before asking: the controller may elect them as soon as the change commits.
                partition.ask_isr_additions(&additions);
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
                match self.node.propose(command, timeout).await {
                    Ok(MetaResponse::Rejected(reason)) => {
                        tracing::debug!(%reason, "ISR change refused");
                        partition.drop_isr_additions(&additions);
                    }
                    Ok(_) => {}
                    // Perhaps committed: the additions stay counted until the metadata shows
                    // the change, or the next pass no longer wants them.
                    Err(e) => tracing::debug!(error = %e, "ISR change not committed"),
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
        let timeout = Duration::from_millis(crate::cluster::node::PROPOSE_TIMEOUT_MS);
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
}
