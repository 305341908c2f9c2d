//! What one partition knows of its idempotent producers: for each, its epoch and the sequence
//! numbers and offsets of the last few batches it wrote, so a retry of a batch already in the
//! log is answered with where it is instead of being written again (Kafka's KIP-98).
//!
//! The log checks every stamped batch against this under its append lock, the one place where
//! offsets are handed out, so the check and the write are one step. The state is rebuilt from
//! the log when it is opened (every batch header carries its producer stamp) and cut back with
//! it, so a restarted broker or a newly elected leader, whose log holds the same batches, answers
//! a retry as the old leader would have.
//!
//! The rules, for a batch of producer `p` in epoch `e` starting at sequence `s`:
//! - `p` unknown here (new, expired or evicted): written when `s` is 0, else out of order;
//! - `e` below `p`'s epoch: fenced, a newer session of the producer has written since;
//! - `e` above it: a new session, written when `s` is 0, else out of order;
//! - the same epoch: one of the last [`MAX_BATCHES_PER_PRODUCER`] batches again is a duplicate
//!   (answered with its offsets); the sequence after the last batch's is written; an older
//!   sequence is a duplicate too old to place; anything else is out of order (a gap).

use std::collections::{HashMap, VecDeque};

use super::batch::ProducerStamp;
use super::{AppendOutcome, StorageError};
pub use crate::protocol::idempotence::MAX_BATCHES_PER_PRODUCER;
use crate::protocol::idempotence::add_sequence;

/// Producers remembered per partition. Past it the one idle longest is forgotten: its next batch
/// is then treated as from an unknown producer (written only at sequence 0; the producer renews
/// its epoch and starts again at 0).
pub const MAX_PRODUCERS_PER_PARTITION: usize = 10_000;
/// A producer that wrote nothing to a partition for this long is forgotten there (Kafka's
/// `producer.id.expiration.ms`, one day).
pub const PRODUCER_IDLE_EXPIRY_MS: i64 = 24 * 60 * 60 * 1000;

/// One batch a producer wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WrittenBatch {
    epoch: i16,
    first_sequence: i32,
    last_sequence: i32,
    base_offset: u64,
    last_offset: u64,
}

#[derive(Debug, Default)]
struct ProducerEntry {
    /// Oldest first, at most [`MAX_BATCHES_PER_PRODUCER`]; never empty in the map.
    batches: VecDeque<WrittenBatch>,
    /// When it last wrote (the broker's clock, or the batch's newest timestamp when rebuilt).
    last_write_ms: i64,
}

impl ProducerEntry {
    fn last(&self) -> Option<&WrittenBatch> {
        self.batches.back()
    }
}

/// What the log is to do with a stamped batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Write it.
    Write,
    /// It is already in the log, at these offsets: write nothing, answer with them.
    Duplicate(AppendOutcome),
}

/// The producers of one partition; see the module docs.
#[derive(Debug, Default)]
pub struct ProducerStates {
    producers: HashMap<i64, ProducerEntry>,
}

impl ProducerStates {
    /// How many producers are remembered.
    pub fn len(&self) -> usize {
        self.producers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.producers.is_empty()
    }

    /// Decides what to do with a batch of `record_count` records stamped `stamp` (an
    /// unstamped batch is always written); a refusal is an error and nothing is to be written.
    pub fn admit(
        &self,
        stamp: ProducerStamp,
        record_count: u32,
        now_ms: i64,
    ) -> Result<Admission, StorageError> {
        if !stamp.is_stamped() {
            return Ok(Admission::Write);
        }
        let out_of_order = |expected: Option<i32>| StorageError::OutOfOrderSequence {
            producer_id: stamp.producer_id,
            producer_epoch: stamp.producer_epoch,
            expected,
            found: stamp.base_sequence,
        };
        let last = self
            .producers
            .get(&stamp.producer_id)
            .filter(|entry| now_ms.saturating_sub(entry.last_write_ms) < PRODUCER_IDLE_EXPIRY_MS)
            .and_then(|entry| entry.last().map(|last| (entry, *last)));
        let Some((entry, last)) = last else {
            return match stamp.base_sequence {
                0 => Ok(Admission::Write),
                _ => Err(out_of_order(None)),
            };
        };
        if stamp.producer_epoch < last.epoch {
            return Err(StorageError::ProducerFenced {
                producer_id: stamp.producer_id,
                producer_epoch: stamp.producer_epoch,
                current_epoch: last.epoch,
            });
        }
        if stamp.producer_epoch > last.epoch {
            return match stamp.base_sequence {
                0 => Ok(Admission::Write),
                _ => Err(out_of_order(Some(0))),
            };
        }
        let last_sequence = stamp.last_sequence(record_count);
        if let Some(done) = entry.batches.iter().find(|b| {
            b.epoch == stamp.producer_epoch
                && b.first_sequence == stamp.base_sequence
                && b.last_sequence == last_sequence
        }) {
            return Ok(Admission::Duplicate(AppendOutcome {
                base_offset: done.base_offset,
                last_offset: done.last_offset,
            }));
        }
        let expected = add_sequence(last.last_sequence, 1);
        if stamp.base_sequence == expected {
            return Ok(Admission::Write);
        }
        let oldest = entry.batches.front().map_or(expected, |b| b.first_sequence);
        // Without wrapping, a sequence below what was written is an old batch sent again.
        if oldest <= expected && stamp.base_sequence < expected {
            return Err(StorageError::DuplicateSequence {
                producer_id: stamp.producer_id,
                producer_epoch: stamp.producer_epoch,
                sequence: stamp.base_sequence,
            });
        }
        Err(out_of_order(Some(expected)))
    }

    /// Remembers a stamped batch written at `base_offset` (an unstamped one is ignored). The log
    /// calls it for every batch it writes, checked or replicated, and for every batch it finds
    /// when it is opened, in offset order.
    pub fn record(
        &mut self,
        stamp: ProducerStamp,
        record_count: u32,
        base_offset: u64,
        now_ms: i64,
    ) {
        if !stamp.is_stamped() || record_count == 0 {
            return;
        }
        if !self.producers.contains_key(&stamp.producer_id)
            && self.producers.len() >= MAX_PRODUCERS_PER_PARTITION
        {
            self.forget_idlest();
        }
        let entry = self.producers.entry(stamp.producer_id).or_default();
        // A new epoch starts the producer afresh: older epochs' batches can only be fenced.
        if entry
            .last()
            .is_some_and(|l| l.epoch != stamp.producer_epoch)
        {
            entry.batches.clear();
        }
        if entry.batches.len() == MAX_BATCHES_PER_PRODUCER {
            entry.batches.pop_front();
        }
        entry.batches.push_back(WrittenBatch {
            epoch: stamp.producer_epoch,
            first_sequence: stamp.base_sequence,
            last_sequence: stamp.last_sequence(record_count),
            base_offset,
            last_offset: base_offset + record_count as u64 - 1,
        });
        entry.last_write_ms = entry.last_write_ms.max(now_ms);
    }

    /// Forgets every batch at or past `offset`: the log dropped them (a follower's truncation,
    /// a cut after a failed fsync, a write that failed). A producer left with no batch is
    /// forgotten; its next batch starts it again at sequence 0.
    pub fn truncate(&mut self, offset: u64) {
        self.producers.retain(|_, entry| {
            while entry.last().is_some_and(|b| b.last_offset >= offset) {
                entry.batches.pop_back();
            }
            !entry.batches.is_empty()
        });
    }

    /// Forgets the producer that wrote least recently.
    fn forget_idlest(&mut self) {
        if let Some((&idlest, _)) = self
            .producers
            .iter()
            .min_by_key(|(_, entry)| entry.last_write_ms)
        {
            self.producers.remove(&idlest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(producer_id: i64, producer_epoch: i16, base_sequence: i32) -> ProducerStamp {
        ProducerStamp {
            producer_id,
            producer_epoch,
            base_sequence,
        }
    }

    /// Admits and, when it is to be written, records a batch of `count` at `offset`.
    fn write(states: &mut ProducerStates, s: ProducerStamp, count: u32, offset: u64) {
        assert_eq!(states.admit(s, count, 0).unwrap(), Admission::Write);
        states.record(s, count, offset, 0);
    }

    #[test]
    fn a_retry_of_any_of_the_last_five_batches_is_placed_where_it_was_written() {
        let mut states = ProducerStates::default();
        for batch in 0..6u64 {
            write(
                &mut states,
                stamp(7, 0, batch as i32 * 10),
                10,
                100 + batch * 10,
            );
        }
        // Batches 1..=5 are remembered; batch 0 is too old to place.
        assert_eq!(
            states.admit(stamp(7, 0, 10), 10, 0).unwrap(),
            Admission::Duplicate(AppendOutcome {
                base_offset: 110,
                last_offset: 119
            })
        );
        assert_eq!(
            states.admit(stamp(7, 0, 50), 10, 0).unwrap(),
            Admission::Duplicate(AppendOutcome {
                base_offset: 150,
                last_offset: 159
            })
        );
        assert!(matches!(
            states.admit(stamp(7, 0, 0), 10, 0),
            Err(StorageError::DuplicateSequence { sequence: 0, .. })
        ));
        assert_eq!(
            states.admit(stamp(7, 0, 60), 3, 0).unwrap(),
            Admission::Write
        );
    }

    #[test]
    fn a_gap_is_out_of_order_and_names_the_sequence_expected() {
        let mut states = ProducerStates::default();
        write(&mut states, stamp(1, 0, 0), 5, 0);
        assert!(matches!(
            states.admit(stamp(1, 0, 9), 1, 0),
            Err(StorageError::OutOfOrderSequence {
                expected: Some(5),
                found: 9,
                ..
            })
        ));
        // An unknown producer starts at 0.
        assert!(matches!(
            states.admit(stamp(2, 0, 3), 1, 0),
            Err(StorageError::OutOfOrderSequence { expected: None, .. })
        ));
    }

    #[test]
    fn a_new_epoch_fences_the_old_one_and_starts_at_zero() {
        let mut states = ProducerStates::default();
        write(&mut states, stamp(1, 0, 0), 5, 0);
        assert!(matches!(
            states.admit(stamp(1, 1, 5), 1, 0),
            Err(StorageError::OutOfOrderSequence {
                expected: Some(0),
                ..
            })
        ));
        write(&mut states, stamp(1, 1, 0), 2, 5);
        assert!(matches!(
            states.admit(stamp(1, 0, 5), 1, 0),
            Err(StorageError::ProducerFenced {
                current_epoch: 1,
                ..
            })
        ));
    }

    #[test]
    fn truncation_forgets_the_batches_it_removes() {
        let mut states = ProducerStates::default();
        write(&mut states, stamp(1, 0, 0), 5, 0);
        write(&mut states, stamp(1, 0, 5), 5, 5);
        write(&mut states, stamp(2, 0, 0), 1, 10);
        states.truncate(5);
        // The cut batch may be written again; producer 2 is forgotten altogether.
        assert_eq!(
            states.admit(stamp(1, 0, 5), 5, 0).unwrap(),
            Admission::Write
        );
        assert_eq!(states.len(), 1);
    }

    #[test]
    fn idle_producers_expire_and_the_idlest_goes_first_past_the_limit() {
        let mut states = ProducerStates::default();
        states.record(stamp(1, 0, 0), 1, 0, 0);
        assert!(
            states
                .admit(stamp(1, 0, 1), 1, PRODUCER_IDLE_EXPIRY_MS)
                .is_err()
        );
        for id in 0..MAX_PRODUCERS_PER_PARTITION as i64 + 1 {
            states.record(stamp(id + 10, 0, 0), 1, id as u64, id + 1);
        }
        assert_eq!(states.len(), MAX_PRODUCERS_PER_PARTITION);
        // Producer 1 wrote at 0, before every other: it went first.
        assert!(states.admit(stamp(1, 0, 1), 1, 1).is_err());
        assert_eq!(
            states.admit(stamp(11, 0, 1), 1, 1).unwrap(),
            Admission::Write
        );
    }

    #[test]
    fn unstamped_batches_are_always_written() {
        let states = ProducerStates::default();
        assert_eq!(
            states.admit(ProducerStamp::NONE, 3, 0).unwrap(),
            Admission::Write
        );
    }
}
