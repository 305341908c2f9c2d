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
