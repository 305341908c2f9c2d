//! Groups in a cluster: finding a group's coordinator, and the calls that follow it.

use std::sync::Arc;
use std::time::Duration;

use crate::client::{Client, ClientError, ClusterRouter, Result};
use crate::wire::v1 as pb;

use super::*;

impl Client {
    /// Which broker coordinates `group`, as this broker knows it: `None` outside a cluster, where
    /// every broker coordinates its own groups.
    pub async fn find_coordinator(&self, group: &str) -> Result<Option<CoordinatorInfo>> {
        let answer = self
            .cluster
            .clone()
            .find_coordinator(pb::FindCoordinatorRequest {
                group: group.to_string(),
            })
            .await;
        let answer = match answer {
            Ok(answer) => answer.into_inner(),
            // A broker from before clusters coordinates its own groups.
            Err(status) if status.code() == tonic::Code::Unimplemented => return Ok(None),
            Err(status) => return Err(status.into()),
        };
        if !answer.clustered {
            return Ok(None);
        }
        match answer.coordinator {
            Some(id) if !answer.address.is_empty() => Ok(Some(CoordinatorInfo {
                id,
                address: answer.address,
            })),
            _ => Err(tonic::Status::unavailable(format!(
                "no broker coordinates group {group:?} now (no live broker); retry shortly"
            ))
            .into()),
        }
    }

    /// In a cluster: fills in the log end offset and LAG of the partitions the group's
    /// coordinator holds no replica of (it leaves them empty), asking each partition's leader.
    /// A partition whose leader cannot be asked keeps them empty. Outside a cluster, nothing.
    pub async fn fill_log_ends(&self, info: &mut GroupInfo) -> Result<()> {
        if info.partitions.iter().all(|p| p.log_end_offset.is_some()) {
            return Ok(());
        }
        let router = Arc::new(ClusterRouter::new(self.clone()).await?);
        if !router.clustered() {
            return Ok(());
        }
        for partition in info
            .partitions
            .iter_mut()
            .filter(|p| p.log_end_offset.is_none())
        {
            let mut reader = crate::client::LeaderReader::new(
                router.clone(),
                &partition.topic,
                partition.partition,
            )
            .retrying_within(Some(Duration::ZERO));
            if let Ok(bounds) = reader.list_offset(crate::client::Offset::Latest).await {
                partition.log_end_offset = Some(bounds.end_offset);
                partition.lag = partition
                    .committed_offset
                    .map(|committed| bounds.end_offset.saturating_sub(committed));
            }
        }
        Ok(())
    }

    /// Plans (and with `execute`, applies) new offsets for a topic's partitions (all when
    /// `partitions` is empty), wherever the group's coordinator is. Outside a cluster it is
    /// [`Client::reset_offsets`]. In a cluster the coordinator may lead none of the partitions
    /// whose bounds a plan needs, so the plan is made here from each partition's leader, and
    /// executed as an admin commit at the coordinator, which, like a reset, is refused while
    /// the group has members.
    pub async fn reset_offsets_anywhere(
        &self,
        group: &str,
        topic: &str,
        partitions: &[u32],
        to: ResetTo,
        execute: bool,
    ) -> Result<Vec<OffsetResetPlan>> {
        let coordinator = self.for_coordinator_of(group).await?;
        let router = Arc::new(ClusterRouter::new(self.clone()).await?);
        if !router.clustered() {
            return coordinator
                .reset_offsets(group, topic, partitions, to, execute)
                .await;
        }
        let count = router.partition_count(topic).await?;
        let chosen: Vec<u32> = if partitions.is_empty() {
            (0..count).collect()
        } else {
            partitions
                .iter()
                .copied()
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        };
        if let Some(missing) = chosen.iter().find(|p| **p >= count) {
            return Err(tonic::Status::not_found(format!(
                "topic {topic:?} has no partition {missing} (it has {count})"
            ))
            .into());
        }
        let committed = match coordinator.fetch_offsets(group, &[topic.to_string()]).await {
            Ok(offsets) => offsets,
            Err(e) if e.code() == Some(crate::client::StatusCode::NotFound) => Vec::new(),
            Err(e) => return Err(e),
        };
        let mut plan = Vec::with_capacity(chosen.len());
        for partition in chosen {
            let mut leader = crate::client::LeaderReader::new(router.clone(), topic, partition);
            let bounds = leader.list_offset(crate::client::Offset::Earliest).await?;
            let (start, end) = (bounds.start_offset, bounds.end_offset);
            let current = committed
                .iter()
                .find(|c| c.partition == partition)
                .map(|c| c.offset);
            let new_offset = match to {
                ResetTo::Earliest => start,
                ResetTo::Latest => end,
                ResetTo::Offset(offset) => offset.clamp(start, end),
                ResetTo::Timestamp(ms) => leader
                    .list_offset(crate::client::Offset::Timestamp(ms))
                    .await?
                    .resolved_offset
                    .unwrap_or(end),
                ResetTo::ShiftBy(delta) => current
                    .unwrap_or(start)
                    .saturating_add_signed(delta)
                    .clamp(start, end),
            };
            plan.push(OffsetResetPlan {
                topic: topic.to_string(),
                partition,
                current_offset: current,
                new_offset,
            });
        }
        if execute && !plan.is_empty() {
            let offsets: Vec<OffsetToCommit> = plan
                .iter()
                .map(|p| OffsetToCommit {
                    topic: p.topic.clone(),
                    partition: p.partition,
                    offset: p.new_offset,
                })
                .collect();
            coordinator.commit_offsets(group, None, &offsets).await?;
        }
        Ok(plan)
    }

    /// Every group of the cluster: each broker lists the groups it coordinates (with their
    /// members) and every group with committed offsets, so the brokers' lists are merged, the
    /// coordinator's entry winning. Outside a cluster, [`Client::list_groups`].
    pub async fn list_all_groups(&self) -> Result<Vec<GroupSummary>> {
        let router = ClusterRouter::new(self.clone()).await?;
        if !router.clustered() {
            return self.list_groups().await;
        }
        let mut merged: std::collections::BTreeMap<String, GroupSummary> = Default::default();
        for broker in router.view().metadata.brokers.iter().filter(|b| b.alive) {
            let listed = match router.client_at(&broker.address).await {
                Ok(client) => client.list_groups().await,
                Err(e) => Err(e),
            };
            let groups = match listed {
                Ok(groups) => groups,
                // One broker gone since the metadata was read: the others still answer.
                Err(e) if e.is_connection_failure() => continue,
                Err(e) => return Err(e),
            };
            for group in groups {
                let wins = merged.get(&group.group).is_none_or(|known| {
                    (group.members, group.generation) > (known.members, known.generation)
                });
                if wins {
                    merged.insert(group.group.clone(), group);
                }
            }
        }
        Ok(merged.into_values().collect())
    }

    /// A client for the broker that coordinates `group`: this client outside a cluster, or when
    /// it is connected to the coordinator.
    pub async fn for_coordinator_of(&self, group: &str) -> Result<Client> {
        Ok(self.coordinator_of(group).await?.0)
    }

    /// [`Client::for_coordinator_of`], with which broker that is (`None` outside a cluster).
    pub async fn coordinator_of(&self, group: &str) -> Result<(Client, Option<CoordinatorInfo>)> {
        let found = self.find_coordinator(group).await?;
        let client = match &found {
            Some(coordinator) if coordinator.address != self.address => {
                self.target.at(&coordinator.address).connect().await?
            }
            _ => self.clone(),
        };
        Ok((client, found))
    }
}

/// Whether the broker does not coordinate the group (in a cluster): look the coordinator up
/// again and go there.
pub fn is_not_coordinator(error: &ClientError) -> bool {
    matches!(error, ClientError::Status(s) if s.metadata().contains_key(crate::wire::NOT_COORDINATOR_KEY))
}

/// The status a member's call ends with when its group's coordinator moved: like a fenced call,
/// it means "join again" (at the new coordinator, which does not know this member yet).
pub(super) fn coordinator_moved(group: &str, error: &ClientError) -> ClientError {
    tonic::Status::aborted(format!(
        "the coordinator of group {group:?} moved ({error}); join again"
    ))
    .into()
}

/// A "not the coordinator" answer while the cluster has not yet settled on a new coordinator
/// becomes UNAVAILABLE: retry shortly, as for a broker that is away.
pub(super) fn not_settled(group: &str, error: ClientError) -> ClientError {
    if !is_not_coordinator(&error) {
        return error;
    }
    tonic::Status::unavailable(format!(
        "group {group:?} has no settled coordinator yet ({error}); retry shortly"
    ))
    .into()
}
