//! Questions to the brokers about the cluster while faults come and go: the freshest metadata
//! any of them has, whether the cluster is whole, where each partition ends on each broker and
//! whether the consumer has caught up. Every question to one broker is bounded by
//! [`ASK_TIMEOUT`]: a paused or cut-off broker never answers.

use std::time::Duration;

use flashq::client::{Client, ClusterMetadata, Offset, TopicSettings};

use super::brokers::Brokers;
use super::workload::Workload;
use super::{BROKERS, FORM_TIMEOUT, TOPIC, poll};

/// How long one metadata or offsets question to one broker may take.
const ASK_TIMEOUT: Duration = Duration::from_millis(1_500);

/// Asks the brokers about the cluster, each question bounded by [`ASK_TIMEOUT`] (a paused or
/// cut-off broker never answers).
/// Small segments, so a run's writes fill several closed ones (with index entries) that a
/// damage-file fault can hit besides the active one.
pub const SEGMENT_BYTES: u64 = 64 * 1024;

pub struct Observer<'a> {
    pub runtime: &'a tokio::runtime::Runtime,
    /// How many partitions the topic has.
    pub partitions: u32,
}

impl Observer<'_> {
    /// `f` against broker `url`, or `None` if it cannot answer in time.
    pub fn ask<T, Fut>(&self, url: &str, f: impl FnOnce(Client) -> Fut) -> Option<T>
    where
        Fut: std::future::Future<Output = flashq::client::Result<T>>,
    {
        self.runtime.block_on(async {
            let answer = tokio::time::timeout(ASK_TIMEOUT, async {
                let client = Client::connect(url).await?;
                f(client).await
            })
            .await;
            answer.ok()?.ok()
        })
    }

    /// The freshest view of the cluster any answering broker has (the most entries applied:
    /// a broker cut off from the quorum falls behind).
    pub fn view(&self, brokers: &Brokers) -> Option<ClusterMetadata> {
        brokers
            .ids()
            .into_iter()
            .filter(|&id| brokers.is_answering(id))
            .filter_map(|id| self.ask(&brokers.url(id), |c| async move { c.metadata().await }))
            .max_by_key(|m| (m.applied_index, m.raft_term))
    }

    /// The three founders live, and every partition of the topic led, on all three (no move
    /// under way) and with all three in its ISR. A joined broker may be there too: it holds
    /// no replica.
    pub fn whole(&self, view: &ClusterMetadata) -> bool {
        let topic: Vec<_> = view
            .partitions
            .iter()
            .filter(|p| p.topic == TOPIC)
            .collect();
        let full = BROKERS as usize;
        (1..=BROKERS).all(|id| view.brokers.iter().any(|b| b.id == id && b.alive))
            && topic.len() == self.partitions as usize
            && topic.iter().all(|p| {
                p.leader.is_some() && !p.moving() && p.replicas.len() == full && p.isr.len() == full
            })
    }

    /// No broker but the three founders is in the cluster: a joined one was removed.
    pub fn founders_only(&self, view: &ClusterMetadata) -> bool {
        view.brokers.iter().all(|b| (1..=BROKERS).contains(&b.id))
    }

    /// Creates the topic (three replicas per partition) once the cluster has formed, and waits
    /// until it is whole.
    pub fn create_topic(&self, brokers: &Brokers) {
        let partitions = self.partitions;
        let created = poll(FORM_TIMEOUT, || {
            let formed = self.view(brokers).is_some_and(|v| {
                v.controller.is_some()
                    && v.brokers.iter().filter(|b| b.alive).count() == BROKERS as usize
            });
            formed
                && self
                    .ask(&brokers.url(1), |c| async move {
                        match c
                            .create_replicated_topic(
                                TOPIC,
                                Some(partitions),
                                Some(BROKERS as u32),
                                TopicSettings {
                                    segment_bytes: Some(SEGMENT_BYTES),
                                    ..TopicSettings::default()
                                },
                            )
                            .await
                        {
                            Err(e)
                                if e.code() == Some(flashq::client::StatusCode::AlreadyExists) =>
                            {
                                Ok(())
                            }
                            other => other.map(drop),
                        }
                    })
                    .is_some()
        });
        assert!(
            created,
            "topic {TOPIC} was not created within {FORM_TIMEOUT:?}"
        );
        let whole = poll(FORM_TIMEOUT, || {
            self.view(brokers).is_some_and(|v| self.whole(&v))
        });
        assert!(whole, "topic {TOPIC} was not led with full ISRs in time");
    }

    /// Where partition `partition`'s log ends on broker `id` (its high watermark: what a
    /// reader there sees).
    pub fn end_on(&self, brokers: &Brokers, id: u64, partition: u32) -> Option<u64> {
        self.ask(&brokers.url(id), |c| async move {
            c.list_offset(TOPIC, partition, Offset::Latest).await
        })
        .map(|info| info.end_offset)
    }

    /// Whether the consumer has read every partition up to its leader's end.
    pub fn consumer_caught_up(&self, brokers: &Brokers, workload: &Workload) -> bool {
        let Some(view) = self.view(brokers) else {
            return false;
        };
        (0..self.partitions).all(|partition| {
            let leader = view
                .partitions
                .iter()
                .find(|p| p.topic == TOPIC && p.partition == partition)
                .and_then(|p| p.leader);
            leader
                .and_then(|id| self.end_on(brokers, id, partition))
                .is_some_and(|end| workload.consumer_position(partition) >= end)
        })
    }

    /// Whether every broker reports the same end for every partition.
    pub fn replicas_agree(&self, brokers: &Brokers) -> bool {
        (0..self.partitions).all(|partition| {
            let ends: Vec<Option<u64>> = brokers
                .ids()
                .into_iter()
                .map(|id| self.end_on(brokers, id, partition))
                .collect();
            ends.iter().all(|e| e.is_some() && *e == ends[0])
        })
    }
}
