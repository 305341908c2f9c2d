//! Consumer groups in a cluster: which broker coordinates a group, and committed offsets kept
//! in the metadata log so they outlive any one broker.
//!
//! Each group hashes to one of [`GROUP_COORDINATOR_SLOTS`] slots and the metadata gives each slot
//! a live broker (see [`ClusterState::coordinator_of`]). That broker runs the group's membership
//! and rebalances exactly as a single broker does ([`crate::broker::group`]); only its offset
//! writes differ: [`ReplicatedOffsets`] commits them through the controller, fenced by the slot's
//! epoch, and reads them from the metadata every broker applies. When a slot moves (its broker
//! is fenced, or returns), the new coordinator already has every committed offset, and members
//! join it again.
//!
//! [`GROUP_COORDINATOR_SLOTS`]: super::state::GROUP_COORDINATOR_SLOTS

use std::sync::Arc;
use std::time::Duration;

use super::node::{ClusterError, ClusterNode};
use super::state::{ClusterState, MetaCommand, MetaResponse, OffsetEntry};
use crate::broker::group::GroupPlacement;
use crate::storage::offset_store::{CommittedOffset, GroupOffsets, OffsetCommit, OffsetStore};
use crate::storage::{Result, StorageError};

/// How long an offset commit may wait for the metadata quorum.
pub const OFFSET_COMMIT_TIMEOUT_MS: u64 = 5_000;

/// Group placement read from this broker's applied metadata.
pub struct MetadataPlacement {
    node: Arc<ClusterNode>,
}

impl MetadataPlacement {
    pub fn new(node: Arc<ClusterNode>) -> MetadataPlacement {
        MetadataPlacement { node }
    }
}

impl GroupPlacement for MetadataPlacement {
    fn check_coordinator(&self, group: &str) -> std::result::Result<(), Option<u64>> {
        let me = self.node.id();
        let coordinator = self
            .node
            .view()
            .with(|s| s.coordinator_of(group).and_then(|slot| slot.broker));
        match coordinator {
            Some(id) if id == me => Ok(()),
            other => Err(other),
        }
    }

    fn partition_count(&self, topic: &str) -> Option<u32> {
        self.node
            .view()
            .with(|s| s.topics.get(topic).map(|t| t.partitions.len() as u32))
    }
}

/// Committed offsets in the cluster's metadata: written through the controller (durable on a
/// quorum of brokers when a commit returns), read from the metadata applied here.
///
/// [`OffsetStore`] is synchronous because the file store does blocking I/O, and the group
/// coordinator calls its writes on a blocking thread; this store's writes wait there for the
/// quorum, on the runtime's handle.
pub struct ReplicatedOffsets {
    node: Arc<ClusterNode>,
    runtime: tokio::runtime::Handle,
}

impl ReplicatedOffsets {
    /// The store of `node`; must be created inside the runtime its writes will wait on.
    pub fn new(node: Arc<ClusterNode>) -> ReplicatedOffsets {
        ReplicatedOffsets {
            node,
            runtime: tokio::runtime::Handle::current(),
        }
    }

    /// Proposes a group command fenced by this broker's coordinator epoch for `group`.
    fn propose(&self, group: &str, command: impl FnOnce(u64, u64) -> MetaCommand) -> Result<()> {
        let me = self.node.id();
        let epoch = self.node.view().with(|s| {
            s.coordinator_of(group)
                .filter(|slot| slot.broker == Some(me))
                .map(|slot| slot.epoch)
        });
        let Some(epoch) = epoch else {
            return Err(unavailable(format!(
                "broker {me} no longer coordinates group {group:?}; its members must join the new coordinator"
            )));
        };
        let proposal = self.node.propose_applied(
            command(me, epoch),
            Duration::from_millis(OFFSET_COMMIT_TIMEOUT_MS),
        );
        match self.runtime.block_on(proposal) {
            Ok(MetaResponse::Rejected(reason)) => Err(unavailable(reason)),
            Ok(_) => Ok(()),
            Err(ClusterError::Unavailable(reason)) => Err(unavailable(format!(
                "the cluster could not commit the change: {reason}"
            ))),
            Err(e) => Err(unavailable(e.to_string())),
        }
    }
}

/// A write the cluster did not take; the coordinator answers UNAVAILABLE (retry, or join again).
fn unavailable(reason: String) -> StorageError {
    StorageError::Io {
        context: "group offsets".into(),
        source: std::io::Error::other(reason),
    }
}

fn group_offsets(state: &ClusterState, group: &str) -> Option<GroupOffsets> {
    let stored = state.groups.offsets.get(group)?;
    Some(
        stored
            .iter()
            .flat_map(|(topic, partitions)| {
                partitions.iter().map(|(partition, committed)| {
                    (
                        (topic.clone(), *partition),
                        CommittedOffset {
                            offset: committed.offset,
                            commit_timestamp_ms: committed.commit_timestamp_ms,
                        },
                    )
                })
            })
            .collect(),
    )
}

impl OffsetStore for ReplicatedOffsets {
    fn kind(&self) -> &'static str {
        "replicated"
    }

    fn groups(&self) -> Vec<String> {
        self.node
            .view()
            .with(|s| s.groups.offsets.keys().cloned().collect())
    }

    fn offsets(&self, group: &str) -> Option<GroupOffsets> {
        self.node.view().with(|s| group_offsets(s, group))
    }

    fn commit(&self, group: &str, commits: &[OffsetCommit], timestamp_ms: i64) -> Result<()> {
        let offsets: Vec<OffsetEntry> = commits
            .iter()
            .map(|c| OffsetEntry {
                topic: c.topic.clone(),
                partition: c.partition,
                offset: c.offset,
            })
            .collect();
        self.propose(group, |coordinator, coordinator_epoch| {
            MetaCommand::CommitOffsets {
                group: group.to_string(),
                coordinator,
                coordinator_epoch,
                offsets,
                at_ms: timestamp_ms,
            }
        })
    }

    fn delete_group(&self, group: &str) -> Result<bool> {
        if self.offsets(group).is_none() {
            return Ok(false);
        }
        self.propose(group, |coordinator, coordinator_epoch| {
            MetaCommand::DeleteGroupOffsets {
                group: group.to_string(),
                coordinator,
                coordinator_epoch,
            }
        })?;
        Ok(true)
    }

    /// The metadata drops a deleted topic's offsets when it applies the deletion.
    fn delete_topic(&self, _topic: &str) -> Result<usize> {
        Ok(0)
    }

    fn close(&self) -> Result<()> {
        Ok(())
    }
}
