//! The idempotent producer's side (Kafka's KIP-98): a session (producer id and epoch) from
//! `InitProducer`, and per partition the sequence number its next record takes. Every request
//! is stamped once, before it is first sent; a retry goes out with the same stamp, so the
//! partition leader (the old one, or a new one holding the same batches) places it where it was
//! first written instead of writing it again.
//!
//! Once a stamped request is given up on (its retries ran out, or the broker refused it), what
//! the partitions hold of it is unknown and the sequences that follow could leave a gap forever:
//! the session is then renewed before the next request is stamped, in the next epoch, with every
//! partition's sequence starting again at 0. The new epoch fences the old one: a late retry of
//! the old session is refused, never written after the new session's records.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use crate::protocol::idempotence::add_sequence;

use super::types::RequestStamp;
use super::{Client, ProducerRecord, Result};

/// A producer's session and sequences; see the module docs. Shared by every request of one
/// producer (`Arc`), whichever broker each goes to.
pub struct ProducerSession {
    /// Where the session is renewed.
    client: Client,
    state: Mutex<SessionState>,
}

#[derive(Debug)]
struct SessionState {
    producer_id: i64,
    producer_epoch: i16,
    /// Per (topic, partition): the sequence of the next record.
    next_sequences: HashMap<(String, u32), i32>,
    /// A stamped request was given up on: renew before stamping another.
    gave_up: bool,
}

impl ProducerSession {
    /// Starts a session at the broker `client` is connected to.
    pub async fn start(client: &Client) -> Result<ProducerSession> {
        let (producer_id, producer_epoch) = client.init_producer(None).await?;
        Ok(ProducerSession {
            client: client.clone(),
            state: Mutex::new(SessionState {
                producer_id,
                producer_epoch,
                next_sequences: HashMap::new(),
                gave_up: false,
            }),
        })
    }

    /// The session's producer id and epoch now.
    pub fn session(&self) -> (i64, i16) {
        let state = self.state();
        (state.producer_id, state.producer_epoch)
    }

    /// Stamps a request of `records` to `topic`, every one naming its partition, taking the
    /// next sequence numbers of those partitions; renews the session first when a request was
    /// given up on.
    pub async fn stamp(&self, topic: &str, records: &[ProducerRecord]) -> Result<RequestStamp> {
        let renew = {
            let state = self.state();
            state
                .gave_up
                .then_some((state.producer_id, state.producer_epoch))
        };
        if let Some(current) = renew {
            let renewed = self.client.init_producer(Some(current)).await?;
            let mut state = self.state();
            // Another request may have renewed meanwhile; a renewal is never undone.
            if (state.producer_id, state.producer_epoch) == current {
                state.producer_id = renewed.0;
                state.producer_epoch = renewed.1;
                state.next_sequences.clear();
                state.gave_up = false;
            }
        }
        let mut counts: BTreeMap<u32, u32> = BTreeMap::new();
        for record in records {
            *counts
                .entry(record.partition.unwrap_or_default())
                .or_default() += 1;
        }
        let mut state = self.state();
        let mut base_sequences = BTreeMap::new();
        for (partition, count) in counts {
            let next = state
                .next_sequences
                .entry((topic.to_string(), partition))
                .or_insert(0);
            base_sequences.insert(partition, *next);
            *next = add_sequence(*next, count);
        }
        Ok(RequestStamp {
            producer_id: state.producer_id,
            producer_epoch: state.producer_epoch,
            base_sequences,
        })
    }

    /// A request stamped `stamp` was given up on: the next stamp renews the session (unless it
    /// was stamped in an epoch already renewed).
    pub fn give_up(&self, stamp: &RequestStamp) {
        let mut state = self.state();
        if (state.producer_id, state.producer_epoch) == (stamp.producer_id, stamp.producer_epoch) {
            state.gave_up = true;
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}
