//! The follower fetch loop: one partition copied from its leader in one leader epoch.

use std::sync::Weak;
use std::time::Duration;

use crate::broker::BrokerError;
use crate::broker::partition::ReplicaRecords;
use crate::broker::replica::{EpochStart, ReplicaRole};
use crate::storage::batch::{BatchHeader, StoredBatch};
use crate::wire::v1 as pb;

use crate::cluster::network::{PeerClient, peer_client};
use crate::cluster::state::{MetaCommand, MetaResponse, NodeId};

use super::*;

/// A follower's fetch loop for one partition in one leader epoch.
pub(super) async fn follow(
    manager: Weak<Replication>,
    key: PartitionKey,
    leader: NodeId,
    epoch: u64,
) {
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
        let (address, throttle_bytes_per_s) = this.node.view().with(|s| {
            let address = s.brokers.get(&leader).map(|b| b.cluster_address.clone());
            // Throttled while a move adds this replica and it is not yet in sync.
            let throttle = s
                .assignment(&topic, partition_id)
                .and_then(|a| {
                    let rate = a.reassignment.as_ref()?.throttle_bytes_per_s;
                    a.catching_up().contains(&me).then_some(rate)
                })
                .unwrap_or(0);
            (address, throttle)
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
        let fetch_offset = partition.log_end_offset();
        let request = pb::ReplicaFetchRequest {
            topic: topic.clone(),
            partition: partition_id,
            replica_id: me,
            leader_epoch: epoch,
            fetch_offset,
            last_fetched_epoch: partition.epochs().last().map(|e| e.epoch),
            max_bytes: match throttle_bytes_per_s {
                0 => REPLICA_FETCH_MAX_BYTES,
                rate => MoveThrottle::fetch_bytes(rate, REPLICA_FETCH_MAX_BYTES),
            },
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
        let fetched_bytes: u64 = response.batches.iter().map(|b| b.len() as u64).sum();
        let leader_epochs: Vec<EpochStart> = response
            .epochs
            .iter()
            .map(|e| EpochStart {
                epoch: e.epoch,
                start_offset: e.start_offset,
            })
            .collect();
        let truncate_to = response
            .truncate_to
            .or_else(|| unknown_epochs_start(&partition.epochs(), &leader_epochs, fetch_offset));
        // Applied in a task of its own: when this loop is aborted (the role changed), a write to
        // the log that has begun still finishes and publishes the log's new end.
        let topic_name = topic.clone();
        let apply = async move {
            match truncate_to {
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
                        leader_epochs,
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
        if throttle_bytes_per_s > 0
            && let Some(this) = manager.upgrade()
        {
            let paid_until = this.move_throttle.pay(fetched_bytes, throttle_bytes_per_s);
            drop(this);
            tokio::time::sleep_until(paid_until.into()).await;
        }
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
