//! FlashQ: a Kafka-class record log broker.
//!
//! Layers call only downward: `cli -> client -> (wire) -> server -> broker -> storage`.
//! Everything below `cli` is usable as a library without the command line.

pub mod broker;
pub mod cli;
pub mod client;
pub mod cluster;
pub mod kafka;
pub mod node;
pub mod protocol;
pub mod server;
pub mod storage;
pub mod tls;
pub mod wire;
