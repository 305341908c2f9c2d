//! Reading one partition from its current leader, following leader changes.
//!
//! A follower serves reads too (below its own high watermark), so a read does not fail on a
//! follower; it goes to the leader because the leader's high watermark is the newest. When the
//! leader answers NOT_LEADER or its connection breaks, the reader refreshes the metadata and
//! goes on from the same offset at the new leader, so nothing is skipped or read twice. A new
//! leader's high watermark can briefly trail the offset a reader reached at the old one (it
//! moves on as followers fetch): a read past the leader's end that is not before its start
//! waits for the end to catch up, for up to
//! [`ROUTED_RETRY_MS`](super::routing::ROUTED_RETRY_MS), rather than fail OUT_OF_RANGE.

use std::sync::Arc;

use super::routing::{ClusterRouter, LeaderRetry, MetadataView, must_reroute};
use super::{
    Client, ClientError, FetchBatch, Offset, PartitionInfo, Result, Subscription, answered_within,
};

/// How long a read request at a leader (listing offsets, opening a subscription) may go
/// unanswered before the leader counts as unreachable and is looked for afresh: a paused or
/// cut-off leader holds requests open without answering.
pub const READ_REQUEST_TIMEOUT_MS: u64 = 5_000;
/// A fetch may wait up to its `max_wait_ms` at the end of the log; unanswered this long past
/// that, it counts as unreachable in the same way.
pub const FETCH_ANSWER_GRACE_MS: u64 = 5_000;

/// Reads one partition at its leader; see the module docs.
pub struct LeaderReader {
    router: Arc<ClusterRouter>,
    topic: String,
    partition: u32,
    view: MetadataView,
    /// Through leader changes (NOT_LEADER, lost connections).
    retry: LeaderRetry,
    /// While the leader's readable end trails an offset this reader has already reached.
    catch_up: LeaderRetry,
}

impl LeaderReader {
    pub fn new(router: Arc<ClusterRouter>, topic: &str, partition: u32) -> LeaderReader {
        LeaderReader {
            view: router.view(),
            router,
            topic: topic.to_string(),
            partition,
            retry: LeaderRetry::new(),
            catch_up: LeaderRetry::new(),
        }
    }

    /// Retries through leader changes for up to `window` after a failure (`None`: until a leader
    /// answers) instead of [`ROUTED_RETRY_MS`](super::routing::ROUTED_RETRY_MS).
    pub fn retrying_within(mut self, window: Option<std::time::Duration>) -> LeaderReader {
        self.retry = LeaderRetry::within(window);
        self
    }

    /// Reads from `start`, waiting up to `max_wait_ms` at the end of the log.
    pub async fn fetch(
        &mut self,
        start: u64,
        max_records: Option<u32>,
        max_wait_ms: u32,
    ) -> Result<FetchBatch> {
        let (topic, partition) = (self.topic.clone(), self.partition);
        let timeout_ms = u64::from(max_wait_ms) + FETCH_ANSWER_GRACE_MS;
        self.at_leader_from(start, timeout_ms, |client| {
            let topic = topic.clone();
            async move {
                client
                    .fetch(
                        &topic,
                        partition,
                        Offset::At(start),
                        max_records,
                        max_wait_ms,
                    )
                    .await
            }
        })
        .await
    }

    /// Resolves a position to an offset at the leader; also returns the log's bounds.
    pub async fn list_offset(&mut self, position: Offset) -> Result<PartitionInfo> {
        let (topic, partition) = (self.topic.clone(), self.partition);
        self.at_leader(READ_REQUEST_TIMEOUT_MS, |client| {
            let topic = topic.clone();
            async move { client.list_offset(&topic, partition, position).await }
        })
        .await
    }

    /// The log's bounds at the leader once its readable end reaches `offset` (or once `offset`
    /// is before its start): in a cluster a new leader's high watermark trails the old one's
    /// until its followers fetch, so an offset reached at the old leader, or committed by a
    /// group, may briefly lie past it. Waits up to
    /// [`ROUTED_RETRY_MS`](super::routing::ROUTED_RETRY_MS); on a single broker not at all.
    pub async fn bounds_reaching(&mut self, offset: u64) -> Result<PartitionInfo> {
        loop {
            let bounds = self.list_offset(Offset::Earliest).await?;
            let readable = (bounds.start_offset..=bounds.end_offset).contains(&offset);
            if readable
                || bounds.start_offset > offset
                || !self
                    .catch_up
                    .should_retry(&self.router, &mut self.view)
                    .await
            {
                self.catch_up.succeeded();
                return Ok(bounds);
            }
        }
    }

    /// Opens a subscription to this partition from `start` at its leader.
    pub async fn subscribe(&mut self, start: u64) -> Result<Subscription> {
        let (topic, partition) = (self.topic.clone(), self.partition);
        self.at_leader_from(start, READ_REQUEST_TIMEOUT_MS, |client| {
            let topic = topic.clone();
            async move {
                client
                    .subscribe(
                        &topic,
                        vec![(partition, Offset::At(start))],
                        Offset::At(start),
                    )
                    .await
            }
        })
        .await
    }

    /// Runs `request`, which reads from `offset`, at the leader: when the leader answers
    /// OUT_OF_RANGE because its readable end has not reached `offset` yet, waits for it to
    /// catch up ([`Self::bounds_reaching`]) and asks again.
    async fn at_leader_from<T, F, Fut>(
        &mut self,
        offset: u64,
        timeout_ms: u64,
        mut request: F,
    ) -> Result<T>
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        loop {
            match self.at_leader(timeout_ms, &mut request).await {
                Err(e)
                    if e.code() == Some(crate::client::StatusCode::OutOfRange)
                        && self.router.clustered() =>
                {
                    let bounds = self.bounds_reaching(offset).await?;
                    if !(bounds.start_offset..=bounds.end_offset).contains(&offset) {
                        return Err(e);
                    }
                }
                answer => return answer,
            }
        }
    }

    /// Runs `request` at the partition's leader, retrying through leader changes; in a cluster
    /// a request unanswered for `timeout_ms` counts as a lost connection.
    async fn at_leader<T, F, Fut>(&mut self, timeout_ms: u64, mut request: F) -> Result<T>
    where
        F: FnMut(Client) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if !self.router.clustered() {
            return request(self.router.seed().clone()).await;
        }
        loop {
            let answer = match self
                .router
                .leader_client(&self.view, &self.topic, self.partition)
                .await
            {
                Ok(client) => {
                    let answer = answered_within(
                        client.address(),
                        timeout_ms,
                        "a read at the partition's leader",
                        request(client.clone()),
                    )
                    .await;
                    if answer
                        .as_ref()
                        .is_err_and(ClientError::is_connection_failure)
                    {
                        self.router.forget(client.address());
                    }
                    answer
                }
                Err(e) => Err(e),
            };
            match answer {
                Ok(value) => {
                    self.retry.succeeded();
                    return Ok(value);
                }
                Err(e) => {
                    if !self.should_retry(&e).await {
                        return Err(e);
                    }
                }
            }
        }
    }

    /// After `error`: whether to retry at the leader fresh metadata names.
    async fn should_retry(&mut self, error: &ClientError) -> bool {
        must_reroute(error) && self.reroute().await
    }

    /// Refreshes the metadata to find the leader again; false once the retry window has passed.
    async fn reroute(&mut self) -> bool {
        self.retry.should_retry(&self.router, &mut self.view).await
    }
}

/// Streams one partition from its leader, opening the subscription again at the new leader,
/// from the offset after the last record it delivered, when the stream breaks or ends. An open
/// subscription stays where it was opened until then: a broker that stops leading keeps serving
/// what it has replicated, below its own high watermark.
pub struct LeaderSubscription {
    reader: LeaderReader,
    /// Where a new subscription starts: after the last delivered record.
    next: u64,
    current: Option<Subscription>,
}

impl LeaderSubscription {
    pub fn new(reader: LeaderReader, start: u64) -> LeaderSubscription {
        LeaderSubscription {
            reader,
            next: start,
            current: None,
        }
    }

    /// The next batch of records, in order; an error once the leader cannot be found again.
    pub async fn next(&mut self) -> Result<FetchBatch> {
        loop {
            let subscription = match &mut self.current {
                Some(subscription) => subscription,
                None => self.current.insert(self.reader.subscribe(self.next).await?),
            };
            match subscription.next().await {
                Ok(Some(batch)) => {
                    self.reader.retry.succeeded();
                    if let Some(last) = batch.records.last() {
                        self.next = last.offset + 1;
                    }
                    return Ok(batch);
                }
                // The broker ended the stream (shutting down): find the leader again.
                Ok(None) => {
                    self.current = None;
                    if !self.reader.reroute().await {
                        return Err(ClientError::Status(tonic::Status::unavailable(format!(
                            "the broker ended the subscription to partition {} and no leader took it over",
                            self.reader.partition
                        ))));
                    }
                }
                Err(e) => {
                    self.current = None;
                    if !self.reader.should_retry(&e).await {
                        return Err(e);
                    }
                }
            }
        }
    }
}
