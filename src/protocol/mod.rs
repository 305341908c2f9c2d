//! Rules both sides of the wire follow, kept once where every layer may import them (this
//! module imports nothing of FlashQ): the record ([`record`]) and the record batch codec
//! ([`batch`], the format of docs/storage.md, which producers encode, logs store, followers copy
//! and fetches send), where a record's partition is ([`partitioner`], Kafka's murmur2, so a
//! client routes a record where the broker would put it), and an idempotent producer's
//! sequence arithmetic and in-flight bound ([`idempotence`]).

pub mod batch;
pub mod idempotence;
pub mod partitioner;
pub mod record;

/// One partition of one topic: what group members are assigned and commit for, on every side.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    pub topic: String,
    pub partition: u32,
}

impl TopicPartition {
    /// The partition `partition` of `topic`.
    pub fn new(topic: impl Into<String>, partition: u32) -> Self {
        TopicPartition {
            topic: topic.into(),
            partition,
        }
    }
}
