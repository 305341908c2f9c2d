//! The cluster's gRPC services: `ClusterPeer` (Raft's RPCs and forwarded proposals, on the
//! cluster listener) and `Cluster` (the metadata clients route by, on the client listener).

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::net::TcpListener;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

use crate::broker::acl::Right;
use crate::broker::replica::{ReplicaFetch, ReplicaFetchPartition};
use crate::broker::{Broker, now_ms};
use crate::cluster::membership::{MembershipChange, QuorumRole};
use crate::cluster::node::PROPOSE_TIMEOUT_MS;
use crate::cluster::placement::PartitionMove;
use crate::cluster::{
    ClusterError, ClusterNode, ClusterState, MAX_PEER_MESSAGE_BYTES, MetaCommand, MetaResponse,
};

use super::auth::authorize;
use crate::wire::v1 as pb;
use crate::wire::v1::cluster_peer_server::{ClusterPeer, ClusterPeerServer};

fn decode<T: DeserializeOwned>(payload: &pb::PeerPayload) -> Result<T, Status> {
    serde_json::from_slice(&payload.json)
        .map_err(|e| Status::invalid_argument(format!("peer payload does not parse: {e}")))
}

fn encode<T: Serialize>(value: &T) -> Result<Response<pb::PeerPayload>, Status> {
    serde_json::to_vec(value)
        .map(|json| Response::new(pb::PeerPayload { json: json.into() }))
        .map_err(|e| Status::internal(format!("encoding a peer answer: {e}")))
}

/// Raft's RPCs into this broker's Raft node, and proposals forwarded to it as controller.
pub struct ClusterPeerService {
    node: Arc<ClusterNode>,
    /// The partitions this broker leads, for followers' fetches.
    broker: Option<Arc<Broker>>,
}

#[tonic::async_trait]
impl ClusterPeer for ClusterPeerService {
    async fn append_entries(
        &self,
        request: Request<pb::PeerPayload>,
    ) -> Result<Response<pb::PeerPayload>, Status> {
        let rpc = decode(request.get_ref())?;
        encode(&self.node.raft().append_entries(rpc).await)
    }

    async fn vote(
        &self,
        request: Request<pb::PeerPayload>,
    ) -> Result<Response<pb::PeerPayload>, Status> {
        let rpc = decode(request.get_ref())?;
        encode(&self.node.raft().vote(rpc).await)
    }

    async fn install_snapshot(
        &self,
        request: Request<pb::PeerPayload>,
    ) -> Result<Response<pb::PeerPayload>, Status> {
        let rpc = decode(request.get_ref())?;
        encode(&self.node.raft().install_snapshot(rpc).await)
    }

    async fn propose(
        &self,
        request: Request<pb::PeerPayload>,
    ) -> Result<Response<pb::PeerPayload>, Status> {
        let command: MetaCommand = decode(request.get_ref())?;
        encode(&self.node.propose_local(command).await?)
    }

    async fn change_membership(
        &self,
        request: Request<pb::PeerPayload>,
    ) -> Result<Response<pb::PeerPayload>, Status> {
        let change: MembershipChange = decode(request.get_ref())?;
        // Made by the controller, wherever it is (a joining broker asks any broker); the codes
        // are the ones the asking broker reads back (cluster/membership.rs).
        let timeout = std::time::Duration::from_millis(PROPOSE_TIMEOUT_MS);
        match self.node.change_membership(change, timeout).await {
            Ok(()) => encode(&()),
            Err(ClusterError::Rejected(reason)) => Err(Status::invalid_argument(reason)),
            Err(e) => Err(e.into()),
        }
    }

    async fn replica_fetch(
        &self,
        request: Request<pb::ReplicaFetchRequest>,
    ) -> Result<Response<pb::ReplicaFetchResponse>, Status> {
        let Some(broker) = &self.broker else {
            return Err(Status::failed_precondition("this node hosts no partitions"));
        };
        let r = request.into_inner();
        if r.partitions.is_empty() {
            return Err(Status::invalid_argument(
                "a replica fetch names no partition (a broker of an older version?)",
            ));
        }
        let names: Vec<(String, u32)> = r
            .partitions
            .iter()
            .map(|p| (p.topic.clone(), p.partition))
            .collect();
        let fetched = broker
            .replica_fetch(ReplicaFetch {
                replica_id: r.replica_id,
                max_wait_ms: r.max_wait_ms,
                max_bytes: r.max_bytes,
                partitions: r
                    .partitions
                    .into_iter()
                    .map(|p| ReplicaFetchPartition {
                        topic: p.topic,
                        partition: p.partition,
                        leader_epoch: p.leader_epoch,
                        fetch_offset: p.fetch_offset,
                        last_fetched_epoch: p.last_fetched_epoch,
                        max_bytes: p.max_bytes,
                    })
                    .collect(),
            })
            .await;
        let partitions = names
            .into_iter()
            .zip(fetched)
            .map(|((topic, partition), answer)| match answer {
                Ok(fetched) => pb::ReplicaFetchPartitionResult {
                    topic,
                    partition,
                    error_code: 0,
                    error_message: String::new(),
                    batches: fetched.batches.into_iter().map(|b| b.bytes).collect(),
                    high_watermark: fetched.high_watermark,
                    log_end_offset: fetched.log_end_offset,
                    epochs: fetched
                        .epochs
                        .into_iter()
                        .map(|e| pb::LeaderEpochStart {
                            epoch: e.epoch,
                            start_offset: e.start_offset,
                        })
                        .collect(),
                    truncate_to: fetched.truncate_to,
                },
                Err(error) => {
                    let status = Status::from(error);
                    pb::ReplicaFetchPartitionResult {
                        topic,
                        partition,
                        error_code: status.code() as u32,
                        error_message: status.message().to_string(),
                        ..Default::default()
                    }
                }
            })
            .collect();
        Ok(Response::new(pb::ReplicaFetchResponse { partitions }))
    }
}

/// Serves `ClusterPeer` on the cluster listener until `shutdown` completes.
pub async fn serve_peers(
    node: Arc<ClusterNode>,
    broker: Option<Arc<Broker>>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), tonic::transport::Error> {
    // Builder::tcp_nodelay is ignored for a listener we bind ourselves: set it per connection,
    // or Nagle holds small replies (a follower's fetch answer) behind unacknowledged ones.
    let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
    let check = node.peer_auth().check();
    let mut builder = tonic::transport::Server::builder();
    if let Some(tls) = &node.config().tls {
        builder = builder.tls_config(tls.listener.tonic_config())?;
    }
    let peers = ClusterPeerServer::new(ClusterPeerService { node, broker })
        .max_decoding_message_size(MAX_PEER_MESSAGE_BYTES)
        .max_encoding_message_size(MAX_PEER_MESSAGE_BYTES);
    builder
        .add_service(InterceptedService::new(peers, check))
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}

/// The client-facing `Cluster` service; without a cluster node the broker is a single broker.
pub struct ClusterService {
    node: Option<Arc<ClusterNode>>,
}

impl ClusterService {
    pub fn new(node: Option<Arc<ClusterNode>>) -> Self {
        ClusterService { node }
    }
}

/// The metadata as `node` sees it, in wire form.
pub fn metadata(node: &ClusterNode) -> pb::MetadataResponse {
    let status = node.status();
    // Brokers, topics and coordinators: not the groups' offsets, which the answer does not carry.
    let (brokers, topics, coordinators) = node.view().with(|s| {
        (
            s.brokers.clone(),
            s.topics.clone(),
            s.groups.coordinators.clone(),
        )
    });
    let now = now_ms();
    pb::MetadataResponse {
        clustered: true,
        node_id: status.node_id,
        controller: status.controller,
        raft_term: status.term,
        raft_role: status.role.to_string(),
        applied_index: status.applied_index,
        session_lapsed: node.session_lapsed(),
        brokers: brokers
            .values()
            .map(|b| pb::BrokerMetadata {
                id: b.id,
                address: b.address.clone(),
                cluster_address: b.cluster_address.clone(),
                // The controller's verdict (it fences a broker silent for a session timeout
                // by its own monotonic clock), the one every broker agrees on; comparing the
                // heartbeat's wall-clock stamp with this broker's clock would call every broker
                // dead, or a dead one alive, after a clock step.
                alive: !b.fenced,
                fenced: b.fenced,
                last_heartbeat_ms: b.last_heartbeat_ms,
                last_heartbeat_age_ms: (now - b.last_heartbeat_ms).max(0) as u64,
                registration_epoch: b.registration_epoch,
                role: match (status.controller, node.quorum_role(b.id)) {
                    (Some(c), _) if c == b.id => "controller",
                    (_, QuorumRole::Voter) => "voter",
                    (_, QuorumRole::Learner) => "learner",
                    (_, QuorumRole::Outside) => "observer",
                }
                .to_string(),
                decommissioning: b.decommissioning,
            })
            .collect(),
        topics: topics
            .values()
            .map(|t| pb::TopicMetadata {
                name: t.name.clone(),
                replication_factor: t.replication_factor,
                partitions: t
                    .partitions
                    .iter()
                    .enumerate()
                    .map(|(p, a)| pb::PartitionMetadata {
                        partition: p as u32,
                        leader: a.leader,
                        leader_epoch: a.leader_epoch,
                        replicas: a.replicas.clone(),
                        isr: a.isr.clone(),
                        target_replicas: a
                            .reassignment
                            .as_ref()
                            .map(|r| r.target.clone())
                            .unwrap_or_default(),
                        throttle_bytes_per_s: a
                            .reassignment
                            .as_ref()
                            .map_or(0, |r| r.throttle_bytes_per_s),
                    })
                    .collect(),
            })
            .collect(),
        group_coordinators: coordinators
            .iter()
            .enumerate()
            .map(|(slot, c)| pb::CoordinatorSlotMetadata {
                slot: slot as u32,
                broker: c.broker,
                epoch: c.epoch,
            })
            .collect(),
    }
}

#[tonic::async_trait]
impl pb::cluster_server::Cluster for ClusterService {
    async fn metadata(
        &self,
        _request: Request<pb::MetadataRequest>,
    ) -> Result<Response<pb::MetadataResponse>, Status> {
        Ok(Response::new(match &self.node {
            Some(node) => metadata(node),
            None => pb::MetadataResponse::default(),
        }))
    }

    async fn find_coordinator(
        &self,
        request: Request<pb::FindCoordinatorRequest>,
    ) -> Result<Response<pb::FindCoordinatorResponse>, Status> {
        let group = request.into_inner().group;
        crate::broker::names::validate_name("group", &group).map_err(Status::invalid_argument)?;
        let Some(node) = &self.node else {
            return Ok(Response::new(pb::FindCoordinatorResponse::default()));
        };
        let slot = ClusterState::coordinator_slot(&group);
        let answer = node.view().with(|s| {
            let coordinator = s.coordinator_of(&group).cloned().unwrap_or_default();
            pb::FindCoordinatorResponse {
                clustered: true,
                coordinator: coordinator.broker,
                address: coordinator
                    .broker
                    .and_then(|id| s.brokers.get(&id))
                    .map(|b| b.address.clone())
                    .unwrap_or_default(),
                slot,
                epoch: coordinator.epoch,
            }
        });
        Ok(Response::new(answer))
    }

    async fn reassign_partitions(
        &self,
        request: Request<pb::ReassignPartitionsRequest>,
    ) -> Result<Response<pb::ReassignPartitionsResponse>, Status> {
        for one in &request.get_ref().moves {
            authorize(&request, Right::Admin, &one.topic)?;
        }
        let node = self.clustered()?;
        let r = request.into_inner();
        if r.moves.is_empty() {
            return Err(Status::invalid_argument(
                "a reassignment needs at least one move",
            ));
        }
        let moves: Vec<PartitionMove> = r
            .moves
            .into_iter()
            .map(|m| PartitionMove {
                topic: m.topic,
                partition: m.partition,
                replicas: m.replicas,
            })
            .collect();
        node.view()
            .with(|s| s.check_moves(&moves))
            .map_err(Status::invalid_argument)?;
        let command = MetaCommand::ReassignPartitions {
            moves: moves.clone(),
            throttle_bytes_per_s: r.throttle_bytes_per_s,
        };
        let answer = carry_out(node, moves, command, !r.dry_run).await?;
        Ok(Response::new(answer))
    }

    async fn rebalance(
        &self,
        request: Request<pb::RebalanceRequest>,
    ) -> Result<Response<pb::ReassignPartitionsResponse>, Status> {
        authorize(&request, Right::Admin, "*")?;
        let node = self.clustered()?;
        let r = request.into_inner();
        let moves = node.view().with(|s| s.rebalance_plan());
        let command = MetaCommand::ReassignPartitions {
            moves: moves.clone(),
            throttle_bytes_per_s: r.throttle_bytes_per_s,
        };
        let execute = r.execute && !moves.is_empty();
        let answer = carry_out(node, moves, command, execute).await?;
        Ok(Response::new(answer))
    }

    async fn add_broker(
        &self,
        request: Request<pb::AddBrokerRequest>,
    ) -> Result<Response<pb::BrokerChangeResponse>, Status> {
        authorize(&request, Right::Admin, "*")?;
        let node = self.clustered()?;
        let id = request.into_inner().id;
        let timeout = std::time::Duration::from_millis(PROPOSE_TIMEOUT_MS);
        node.change_membership(MembershipChange::Promote { id }, timeout)
            .await?;
        Ok(Response::new(pb::BrokerChangeResponse {}))
    }

    async fn decommission_broker(
        &self,
        request: Request<pb::DecommissionBrokerRequest>,
    ) -> Result<Response<pb::ReassignPartitionsResponse>, Status> {
        authorize(&request, Right::Admin, "*")?;
        let node = self.clustered()?;
        let r = request.into_inner();
        let moves = node
            .view()
            .with(|s| s.decommission_moves(r.id))
            .map_err(Status::failed_precondition)?;
        let command = MetaCommand::DecommissionBroker {
            id: r.id,
            throttle_bytes_per_s: r.throttle_bytes_per_s,
        };
        let answer = carry_out(node, moves, command, !r.dry_run).await?;
        Ok(Response::new(answer))
    }

    async fn remove_broker(
        &self,
        request: Request<pb::RemoveBrokerRequest>,
    ) -> Result<Response<pb::BrokerChangeResponse>, Status> {
        authorize(&request, Right::Admin, "*")?;
        let node = self.clustered()?;
        let id = request.into_inner().id;
        if let Some(held) = node.view().with(|s| s.partition_held_by(id)) {
            return Err(Status::failed_precondition(format!(
                "broker {id} still holds a replica of {held}: run cluster remove-broker (which moves them first) or wait for its moves to finish"
            )));
        }
        let timeout = std::time::Duration::from_millis(PROPOSE_TIMEOUT_MS);
        node.change_membership(MembershipChange::Remove { id }, timeout)
            .await?;
        let known = node.view().with(|s| s.brokers.contains_key(&id));
        if known {
            let unregistered = node
                .propose(MetaCommand::UnregisterBroker { id }, timeout)
                .await?;
            if let MetaResponse::Rejected(reason) = unregistered {
                return Err(Status::failed_precondition(reason));
            }
        }
        Ok(Response::new(pb::BrokerChangeResponse {}))
    }
}

impl ClusterService {
    fn clustered(&self) -> Result<&Arc<ClusterNode>, Status> {
        self.node.as_ref().ok_or_else(|| {
            Status::failed_precondition(
                "a single broker has no cluster to change: start brokers with --node-id",
            )
        })
    }
}

/// Answers the plan `moves`, proposing `command` first when `execute`.
async fn carry_out(
    node: &ClusterNode,
    moves: Vec<PartitionMove>,
    command: MetaCommand,
    execute: bool,
) -> Result<pb::ReassignPartitionsResponse, Status> {
    let plan = node.view().with(|s| {
        moves
            .iter()
            .map(|m| pb::PartitionMovePlan {
                topic: m.topic.clone(),
                partition: m.partition,
                current_replicas: s
                    .assignment(&m.topic, m.partition)
                    .map(|a| a.target_replicas().to_vec())
                    .unwrap_or_default(),
                target_replicas: m.replicas.clone(),
            })
            .collect()
    });
    if execute {
        let timeout = std::time::Duration::from_millis(PROPOSE_TIMEOUT_MS);
        // Checked against this broker's metadata before; the controller's may have moved on.
        if let MetaResponse::Rejected(reason) = node.propose_applied(command, timeout).await? {
            return Err(Status::failed_precondition(reason));
        }
    }
    Ok(pb::ReassignPartitionsResponse {
        moves: plan,
        executed: execute,
    })
}
