//! Producing to a cluster: records are partitioned here, exactly as the broker would, and each
//! partition's share goes to its leader, all partitions at once.
//!
//! Only the partitions that failed with NOT_LEADER, a lost connection or UNAVAILABLE (too few
//! in-sync replicas, or not on them in time: the ISR is shrinking after a follower's death) are
//! retried, with fresh metadata, for up to [`ROUTED_RETRY_MS`](super::routing::ROUTED_RETRY_MS),
//! as Kafka's producer retries NOT_ENOUGH_REPLICAS and timeouts. A retried request
//! may have been stored before its answer was lost, so routed producing is at-least-once; within
//! a partition, what is acknowledged keeps the input's order (one request per partition is in
//! flight at a time, and [`RoutedProducer::send`] returns before the next call starts).
//!
//! A leader that is paused or cut off keeps the connection open without answering. While a
//! request goes unanswered the producer looks at fresh metadata every
//! [`LEADER_RECHECK_INTERVAL_MS`]: once it names another leader, the request is abandoned and
//! sent there, so writes resume about when the cluster has replaced the leader (its session
//! timeout) rather than when the request times out. A request unanswered for
//! [`PRODUCE_REQUEST_TIMEOUT_MS`] counts as a lost connection all the same. An abandoned request
//! may still be stored by the old leader, but never acknowledged by it (a leader that lost its
//! leadership acknowledges nothing), so what it stores is truncated when it follows again.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::protocol::partitioner::{StickySpreader, partition_for_key};

use super::cluster::LeaderLookup;
use super::idempotence::ProducerSession;
use super::routing::{
    ClusterRouter, LeaderRetry, MetadataView, leader_moved, must_reroute, partition_count,
};
use super::types::RequestStamp;
use super::{ClientError, ProducedPosition, ProducerRecord, Result, answered_within};

/// How long one produce request may go unanswered before the producer treats its connection as
/// lost and retries with fresh metadata. Longer than a leader waits for a shrinking ISR by
/// default (5 s), so a slow acknowledgement is not cut off, and short enough that a producer
/// stuck on a dead leader moves on soon after a new one is elected.
pub const PRODUCE_REQUEST_TIMEOUT_MS: u64 = 8_000;
/// While a produce request is unanswered: how often fresh metadata is asked whether the
/// partition has another leader now. Metadata refreshes are shared by every request waiting, so
/// this costs one small request a second however many are waiting.
pub const LEADER_RECHECK_INTERVAL_MS: u64 = 1_000;
/// The most requests an idempotent producer keeps in flight: the batches per producer a
/// partition remembers (Kafka's `max.in.flight.requests.per.connection` limit of 5 for
/// idempotence), so a retry of any of them is still placed where it was written.
pub const MAX_IN_FLIGHT_REQUESTS: usize = crate::protocol::idempotence::MAX_BATCHES_PER_PRODUCER;

/// Sends records to the leaders of their partitions; see the module docs.
pub struct RoutedProducer {
    router: Arc<ClusterRouter>,
    topic: String,
    /// Where keyless records go: one partition per [`RoutedProducer::send`], like the broker's
    /// sticky spreading per request.
    spreader: StickySpreader,
    /// An idempotent producer's session; `None` produces at-least-once.
    session: Option<Arc<ProducerSession>>,
}

/// A request stamped and split by partition, in input order, ready to send.
pub struct PreparedRequest {
    records: Vec<ProducerRecord>,
    /// Partitioned and stamped for a cluster's leaders (or one broker): per partition, its share.
    shares: Option<PartitionShares>,
    stamp: Option<RequestStamp>,
}

impl PreparedRequest {
    /// How many records it carries.
    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Its records (partitioned, unless the topic was unknown) and stamp, to send another way
    /// (a single broker's produce stream).
    pub fn into_parts(self) -> (Vec<ProducerRecord>, Option<RequestStamp>) {
        (self.records, self.stamp)
    }
}

impl RoutedProducer {
    /// An at-least-once producer (a retry may store a record twice).
    pub fn new(router: Arc<ClusterRouter>, topic: &str) -> RoutedProducer {
        RoutedProducer {
            router,
            topic: topic.to_string(),
            spreader: StickySpreader::default(),
            session: None,
        }
    }

    /// An idempotent producer: starts a session at the connected broker.
    pub async fn idempotent(router: Arc<ClusterRouter>, topic: &str) -> Result<RoutedProducer> {
        let session = ProducerSession::start(router.seed()).await?;
        Ok(RoutedProducer {
            session: Some(Arc::new(session)),
            ..RoutedProducer::new(router, topic)
        })
    }

    /// Whether retries are deduplicated (the producer has a session).
    pub fn is_idempotent(&self) -> bool {
        self.session.is_some()
    }

    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Whether the brokers form a cluster (otherwise [`Self::send`] is a plain produce).
    pub fn clustered(&self) -> bool {
        self.router.clustered()
    }

    /// Produces `records`; returns each one's position, in input order. Outside a cluster this
    /// is one plain produce to the connected broker.
    pub async fn send(&self, records: Vec<ProducerRecord>) -> Result<Vec<ProducedPosition>> {
        let prepared = self.prepare(records).await?;
        self.send_prepared(prepared).await
    }

    /// Partitions `records` and, for an idempotent producer, takes their sequence numbers: call
    /// it in input order, then send with [`Self::send_prepared`], several at once if need be.
    pub async fn prepare(&self, mut records: Vec<ProducerRecord>) -> Result<PreparedRequest> {
        let router = &self.router;
        let unrouted = |records| PreparedRequest {
            records,
            shares: None,
            stamp: None,
        };
        if !router.clustered() && self.session.is_none() {
            return Ok(unrouted(records));
        }
        let partitions = if router.clustered() {
            let mut view = router.view();
            if partition_count(&view.metadata, &self.topic).is_none() {
                view = router.refresh(&view).await?;
            }
            match partition_count(&view.metadata, &self.topic) {
                Some(count) => count,
                // Unknown to the cluster: sent to the connected broker as it is (see send_unrouted).
                None => return Ok(unrouted(records)),
            }
        } else {
            match router.partition_count(&self.topic).await {
                Ok(count) => count,
                // A topic that does not exist yet: the request goes unstamped, and the broker
                // creates the topic (or says NOT_FOUND); the next request finds it. One the
                // caller may not see goes too, for the broker to say what right is missing.
                Err(ClientError::Status(status))
                    if matches!(
                        status.code(),
                        tonic::Code::NotFound | tonic::Code::PermissionDenied
                    ) =>
                {
                    return Ok(unrouted(records));
                }
                Err(e) => return Err(e),
            }
        };
        assign_partitions(
            &mut records,
            partitions,
            self.spreader.next_partition(partitions),
        );
        let stamp = match &self.session {
            Some(session) => Some(session.stamp(&self.topic, &records).await?),
            None => None,
        };
        Ok(PreparedRequest {
            shares: Some(split_by_partition(&records)),
            records,
            stamp,
        })
    }

    /// Sends a request [`Self::prepare`]d; returns each record's position, in input order. An
    /// idempotent producer that gives up on it renews its session before the next request.
    pub async fn send_prepared(&self, prepared: PreparedRequest) -> Result<Vec<ProducedPosition>> {
        let stamp = prepared.stamp.clone();
        let sent = match prepared.shares {
            None => self.send_unrouted(prepared.records).await,
            Some(shares) if !self.router.clustered() => {
                drop(shares);
                self.router
                    .seed()
                    .produce_stamped(&self.topic, prepared.records, stamp.as_ref())
                    .await
            }
            Some(shares) => {
                self.send_routed(prepared.records, shares, stamp.as_ref())
                    .await
            }
        };
        if let (Err(_), Some(session), Some(stamp)) = (&sent, &self.session, &stamp) {
            session.give_up(stamp);
        }
        sent
    }

    /// Records for a topic the cluster's metadata does not show (or a single broker without a
    /// session): the connected broker answers for it. It says NOT_FOUND, or creates the topic
    /// where a cluster auto-creates topics; then, should it not lead where the records go,
    /// they are sent again once the metadata shows the topic.
    async fn send_unrouted(&self, records: Vec<ProducerRecord>) -> Result<Vec<ProducedPosition>> {
        let router = &self.router;
        if !router.clustered() {
            return router.seed().produce(&self.topic, records).await;
        }
        let mut view = router.view();
        let mut retry = LeaderRetry::new();
        loop {
            if partition_count(&view.metadata, &self.topic).is_some() {
                let prepared = self.prepare(records).await?;
                return Box::pin(self.send_prepared(prepared)).await;
            }
            match router.seed().produce(&self.topic, records.clone()).await {
                Err(e) if must_reroute(&e) => {
                    if !retry.should_retry(router, &mut view).await {
                        return Err(e);
                    }
                }
                answer => return answer,
            }
        }
    }

    /// Sends each partition's share to its leader, all at once, retrying the shares that failed
    /// on a moved leader or a lost connection with fresh metadata (each with its own stamp).
    async fn send_routed(
        &self,
        records: Vec<ProducerRecord>,
        mut pending: PartitionShares,
        stamp: Option<&RequestStamp>,
    ) -> Result<Vec<ProducedPosition>> {
        let router = &self.router;
        let mut view = router.view();
        let mut retry = LeaderRetry::new();
        let mut positions: Vec<Option<ProducedPosition>> = vec![None; records.len()];
        loop {
            let sends = pending.iter().map(|(&partition, indexes)| {
                let share: Vec<ProducerRecord> =
                    indexes.iter().map(|&i| records[i].clone()).collect();
                let share_stamp = stamp.map(|s| RequestStamp {
                    base_sequences: s
                        .base_sequences
                        .get(&partition)
                        .map(|&sequence| (partition, sequence))
                        .into_iter()
                        .collect(),
                    ..s.clone()
                });
                self.send_share(&view, partition, share, share_stamp)
            });
            let results = futures::future::join_all(sends).await;
            let failed = settle(std::mem::take(&mut pending), results, &mut positions)?;
            let Some((retry_set, error)) = failed else {
                return collect_positions(positions);
            };
            if !retry.should_retry(router, &mut view).await {
                return Err(error);
            }
            pending = retry_set;
        }
    }

    /// Sends one partition's records to its leader; a leader whose connection broke is
    /// forgotten, so the retry connects afresh.
    async fn send_share(
        &self,
        view: &MetadataView,
        partition: u32,
        records: Vec<ProducerRecord>,
        stamp: Option<RequestStamp>,
    ) -> Result<Vec<ProducedPosition>> {
        let client = self
            .router
            .leader_client(view, &self.topic, partition)
            .await?;
        let count = records.len();
        let produce = answered_within(
            client.address(),
            PRODUCE_REQUEST_TIMEOUT_MS,
            "a produce",
            client.produce_stamped(&self.topic, records, stamp.as_ref()),
        );
        let acked = tokio::select! {
            acked = produce => acked,
            moved = self.leader_moves_from(view, partition, client.address()) => Err(moved),
        }
        .inspect_err(|e| {
            if e.is_connection_failure() {
                self.router.forget(client.address());
            }
        })?;
        if acked.len() != count {
            return Err(ClientError::Status(tonic::Status::internal(format!(
                "the broker acknowledged {} of {count} records",
                acked.len()
            ))));
        }
        Ok(acked)
    }

    /// Resolves, with the NOT_LEADER error to retry on, once fresh metadata names a leader of
    /// `partition` other than the broker at `address`; never while it still leads. Asks every
    /// [`LEADER_RECHECK_INTERVAL_MS`], starting from `view`.
    async fn leader_moves_from(
        &self,
        view: &MetadataView,
        partition: u32,
        address: &str,
    ) -> ClientError {
        let interval = std::time::Duration::from_millis(LEADER_RECHECK_INTERVAL_MS);
        let mut seen = view.clone();
        loop {
            tokio::time::sleep(interval).await;
            // A refresh that fails (no broker answers) is tried again on the next turn.
            let Ok(fresh) = self.router.refresh(&seen).await else {
                continue;
            };
            if let LeaderLookup::Leader(leader) = fresh.metadata.leader_of(&self.topic, partition)
                && leader.address != address
            {
                return leader_moved(&self.topic, partition, address, leader.id);
            }
            seen = fresh;
        }
    }
}

/// The partitions still to send, each with its record indexes.
type PartitionShares = BTreeMap<u32, Vec<usize>>;

/// Files each partition's answer: acknowledged positions go to `positions`. Returns the
/// partitions to retry ([`worth_retrying`]) with the last such error, or `None` when every
/// partition is acknowledged; any other error ends the produce.
fn settle(
    sent: PartitionShares,
    results: Vec<Result<Vec<ProducedPosition>>>,
    positions: &mut [Option<ProducedPosition>],
) -> Result<Option<(PartitionShares, ClientError)>> {
    let mut retry_set = BTreeMap::new();
    let mut retry_error = None;
    for ((partition, indexes), result) in sent.into_iter().zip(results) {
        match result {
            Ok(acked) => {
                for (&index, position) in indexes.iter().zip(acked) {
                    positions[index] = Some(position);
                }
            }
            Err(e) if worth_retrying(&e) => {
                retry_set.insert(partition, indexes);
                retry_error = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Ok(retry_error.map(|error| (retry_set, error)))
}

/// Whether a partition's failure may pass if sent again: its leader moved or the connection broke
/// (send to the leader fresh metadata names), or the leader answered UNAVAILABLE (too few
/// in-sync replicas for acks=all, a batch not on the ISR in time, a broker shutting down): the
/// cluster heals those by itself, shrinking the ISR or electing a leader. OUT_OF_RANGE is an
/// idempotent producer's share that overtook an earlier one of its partition still being
/// retried: it passes once that one is in.
fn worth_retrying(error: &ClientError) -> bool {
    must_reroute(error)
        || matches!(
            error.code(),
            Some(crate::client::StatusCode::Unavailable | crate::client::StatusCode::OutOfRange)
        )
}

/// Gives every record its partition as the broker would: the one it names, else the key's hash
/// over `partitions`, else `spread` (one partition for a request's keyless records).
pub fn assign_partitions(records: &mut [ProducerRecord], partitions: u32, spread: u32) {
    for record in records {
        if record.partition.is_none() {
            record.partition = Some(match &record.key {
                Some(key) => partition_for_key(key, partitions),
                None => spread,
            });
        }
    }
}

/// The indexes of the records bound for each partition, in input order. Every record must have
/// its partition ([`assign_partitions`]).
pub fn split_by_partition(records: &[ProducerRecord]) -> PartitionShares {
    let mut split: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (index, record) in records.iter().enumerate() {
        let partition = record.partition.unwrap_or_default();
        split.entry(partition).or_default().push(index);
    }
    split
}

fn collect_positions(positions: Vec<Option<ProducedPosition>>) -> Result<Vec<ProducedPosition>> {
    positions
        .into_iter()
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| {
            ClientError::Status(tonic::Status::internal(
                "a routed produce finished without a position for every record",
            ))
        })
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;

    use super::*;

    fn record(key: Option<&str>, partition: Option<u32>) -> ProducerRecord {
        ProducerRecord {
            key: key.map(|k| Bytes::copy_from_slice(k.as_bytes())),
            value: Bytes::from_static(b"v"),
            partition,
            ..ProducerRecord::default()
        }
    }

    #[test]
    fn records_are_partitioned_as_the_broker_would() {
        let mut records = vec![
            record(Some("user-1"), None),
            record(None, None),
            record(Some("user-2"), Some(4)),
            record(None, Some(0)),
            record(Some("user-3"), None),
        ];
        assign_partitions(&mut records, 5, 2);
        let partitions: Vec<u32> = records.iter().map(|r| r.partition.unwrap()).collect();
        assert_eq!(
            partitions,
            vec![
                partition_for_key(b"user-1", 5),
                2,
                4,
                0,
                partition_for_key(b"user-3", 5),
            ]
        );
    }

    #[test]
    fn the_split_keeps_input_order_per_partition() {
        let records: Vec<ProducerRecord> = [1, 0, 1, 2, 0, 1]
            .into_iter()
            .map(|p| record(None, Some(p)))
            .collect();
        let split = split_by_partition(&records);
        assert_eq!(split[&0], vec![1, 4]);
        assert_eq!(split[&1], vec![0, 2, 5]);
        assert_eq!(split[&2], vec![3]);
    }

    #[test]
    fn positions_come_back_in_input_order_or_not_at_all() {
        let at = |partition, offset| ProducedPosition { partition, offset };
        assert_eq!(
            collect_positions(vec![Some(at(1, 7)), Some(at(0, 3))]).unwrap(),
            vec![at(1, 7), at(0, 3)]
        );
        assert!(collect_positions(vec![Some(at(1, 7)), None]).is_err());
    }

    fn not_leader() -> ClientError {
        let mut status = tonic::Status::failed_precondition("not the leader");
        status
            .metadata_mut()
            .insert(crate::wire::NOT_LEADER_KEY, "2".parse().unwrap());
        ClientError::Status(status)
    }

    #[test]
    fn only_partitions_that_lost_their_leader_are_retried() {
        let at = |partition, offset| ProducedPosition { partition, offset };
        let sent: PartitionShares = [(0, vec![0, 2]), (1, vec![1]), (2, vec![3])].into();
        let results = vec![
            Ok(vec![at(0, 10), at(0, 11)]),
            Err(not_leader()),
            Ok(vec![at(2, 5)]),
        ];
        let mut positions = vec![None; 4];
        let (retry_set, error) = settle(sent, results, &mut positions).unwrap().unwrap();
        assert_eq!(retry_set, [(1, vec![1])].into());
        assert!(error.is_not_leader());
        assert_eq!(
            positions,
            vec![Some(at(0, 10)), None, Some(at(0, 11)), Some(at(2, 5))]
        );
    }

    #[test]
    fn unavailable_partitions_are_retried_too() {
        let sent: PartitionShares = [(0, vec![0])].into();
        let results = vec![Err(ClientError::Status(tonic::Status::unavailable(
            "partition 0 has 1 in-sync replicas, fewer than the 2 acks=all needs",
        )))];
        let (retry_set, _) = settle(sent, results, &mut [None]).unwrap().unwrap();
        assert_eq!(retry_set, [(0, vec![0])].into());
    }

    #[test]
    fn other_errors_end_the_produce_and_full_success_retries_nothing() {
        let sent: PartitionShares = [(0, vec![0]), (1, vec![1])].into();
        let results = vec![
            Err(not_leader()),
            Err(ClientError::Status(tonic::Status::invalid_argument(
                "too big",
            ))),
        ];
        assert!(settle(sent, results, &mut [None, None]).is_err());
        let sent: PartitionShares = [(0, vec![0])].into();
        let ok = vec![Ok(vec![ProducedPosition {
            partition: 0,
            offset: 0,
        }])];
        assert!(settle(sent, ok, &mut [None]).unwrap().is_none());
    }
}
