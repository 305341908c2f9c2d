//! A topic: its settings and its partitions.

use std::sync::{Arc, RwLock};

use crate::storage::{LogConfig, Storage, TopicMeta};

use super::{BrokerError, Partition, PartitionState, TopicDescription};
use crate::protocol::partitioner::StickySpreader;

/// The smallest segment a topic may roll at.
pub const MIN_SEGMENT_BYTES: u64 = 1024;
/// The largest segment a topic may roll at (index positions are 32-bit).
pub const MAX_SEGMENT_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// The shortest segment age a topic may roll at.
pub const MIN_SEGMENT_MS: u64 = 1000;

/// Changes to a topic's settings; absent fields keep their value. For retention, 0 means
/// unbounded (keep forever, or no size limit), as on the wire.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TopicConfigUpdate {
    pub retention_ms: Option<u64>,
    pub retention_bytes: Option<u64>,
    pub segment_bytes: Option<u64>,
    pub segment_ms: Option<u64>,
}

impl TopicConfigUpdate {
    /// The settings that result from applying this update to `base`, validated.
    pub fn apply_to(&self, base: LogConfig) -> Result<LogConfig, BrokerError> {
        let mut config = base;
        if let Some(ms) = self.retention_ms {
            config.retention_ms = (ms > 0).then_some(ms);
        }
        if let Some(bytes) = self.retention_bytes {
            config.retention_bytes = (bytes > 0).then_some(bytes);
        }
        if let Some(bytes) = self.segment_bytes {
            if !(MIN_SEGMENT_BYTES..=MAX_SEGMENT_BYTES).contains(&bytes) {
                return Err(BrokerError::InvalidArgument(format!(
                    "segment_bytes must be between {MIN_SEGMENT_BYTES} and {MAX_SEGMENT_BYTES}, got {bytes}"
                )));
            }
            config.segment_bytes = bytes;
        }
        if let Some(ms) = self.segment_ms {
            if ms < MIN_SEGMENT_MS {
                return Err(BrokerError::InvalidArgument(format!(
                    "segment_ms must be at least {MIN_SEGMENT_MS}, got {ms}"
                )));
            }
            config.segment_ms = ms;
        }
        Ok(config)
    }
}

/// A topic: settings plus partitions, each with its own log.
pub struct Topic {
    meta: RwLock<TopicMeta>,
    partitions: RwLock<Vec<Arc<Partition>>>,
    spreader: StickySpreader,
}

impl Topic {
    /// Opens every partition's log (blocking: logs may recover).
    pub fn open(storage: &dyn Storage, meta: TopicMeta) -> Result<Topic, BrokerError> {
        let partitions = (0..meta.partitions)
            .map(|p| {
                let log = storage.open_partition(&meta.name, p, &meta.config)?;
                Ok(Arc::new(Partition::new(p, log)))
            })
            .collect::<Result<Vec<_>, BrokerError>>()?;
        Ok(Topic {
            meta: RwLock::new(meta),
            partitions: RwLock::new(partitions),
            spreader: StickySpreader::default(),
        })
    }

    pub fn name(&self) -> String {
        self.meta().name
    }

    fn meta(&self) -> TopicMeta {
        self.meta.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn config(&self) -> LogConfig {
        self.meta().config
    }

    pub fn partition_count(&self) -> u32 {
        self.partitions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .len() as u32
    }

    pub fn spreader(&self) -> &StickySpreader {
        &self.spreader
    }

    /// One partition by number.
    pub fn partition(&self, partition: u32) -> Result<Arc<Partition>, BrokerError> {
        let partitions = self.partitions.read().unwrap_or_else(|e| e.into_inner());
        partitions
            .get(partition as usize)
            .cloned()
            .ok_or_else(|| BrokerError::PartitionNotFound {
                topic: self.name(),
                partition,
                partitions: partitions.len() as u32,
            })
    }

    pub fn partitions(&self) -> Vec<Arc<Partition>> {
        self.partitions
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Settings and per-partition offsets and sizes.
    pub fn describe(&self) -> TopicDescription {
        let meta = self.meta();
        TopicDescription {
            name: meta.name,
            config: meta.config,
            partitions: self
                .partitions()
                .iter()
                .map(|p| PartitionState {
                    partition: p.id,
                    start_offset: p.start_offset(),
                    end_offset: p.end_offset(),
                    size_bytes: p.size_bytes(),
                })
                .collect(),
        }
    }

    /// Applies a settings change durably (blocking).
    pub fn update_config(
        &self,
        storage: &dyn Storage,
        update: TopicConfigUpdate,
    ) -> Result<(), BrokerError> {
        let mut meta = self.meta();
        meta.config = update.apply_to(meta.config)?;
        storage.save_topic(&meta)?;
        *self.meta.write().unwrap_or_else(|e| e.into_inner()) = meta;
        Ok(())
    }

    /// Adds partitions up to `total` (blocking). A topic never shrinks.
    pub fn grow_partitions(&self, storage: &dyn Storage, total: u32) -> Result<(), BrokerError> {
        let mut meta = self.meta();
        if total <= meta.partitions {
            return Err(BrokerError::InvalidArgument(format!(
                "topic {:?} has {} partitions; the new count must be larger, got {total}",
                meta.name, meta.partitions
            )));
        }
        let added = (meta.partitions..total)
            .map(|p| {
                let log = storage.open_partition(&meta.name, p, &meta.config)?;
                Ok(Arc::new(Partition::new(p, log)))
            })
            .collect::<Result<Vec<_>, BrokerError>>()?;
        meta.partitions = total;
        storage.save_topic(&meta)?;
        self.partitions
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .extend(added);
        *self.meta.write().unwrap_or_else(|e| e.into_inner()) = meta;
        Ok(())
    }

    /// One retention pass over every partition (blocking).
    pub fn enforce_retention(&self, now_ms: i64) -> Result<(), BrokerError> {
        let config = self.config();
        for partition in self.partitions() {
            let outcome = partition.log().enforce_retention(&config, now_ms)?;
            if outcome.segments_deleted > 0 {
                tracing::info!(
                    topic = self.name(),
                    partition = partition.id,
                    segments = outcome.segments_deleted,
                    bytes = outcome.bytes_deleted,
                    start_offset = outcome.start_offset,
                    "retention deleted segments"
                );
            }
        }
        Ok(())
    }

    /// Marks every partition deleted (see [`Partition::mark_deleted`]).
    pub fn mark_deleted(&self) {
        for partition in self.partitions() {
            partition.mark_deleted();
        }
    }

    /// Stops every partition's log without making anything durable: the topic is being deleted.
    pub fn discard(&self) {
        for partition in self.partitions() {
            partition.log().discard();
        }
    }

    /// Flushes and closes every partition's log (blocking).
    pub fn close(&self) -> Result<(), BrokerError> {
        for partition in self.partitions() {
            partition.log().close()?;
        }
        Ok(())
    }
}
