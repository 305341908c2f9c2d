//! Raft's RPCs to peers over gRPC: the `ClusterPeer` service on each broker's cluster listener.
//!
//! Requests and responses travel as serde JSON inside a bytes field: openraft's types are
//! serde types, and this traffic is broker-to-broker only. A peer that cannot be reached is
//! reported as unreachable, so openraft backs off instead of hammering it.

use std::time::Duration;

use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tonic::transport::{Channel, Endpoint};

use super::{MetaNode, MetaTypeConfig, NodeId};
use crate::wire::v1::PeerPayload;
use crate::wire::v1::cluster_peer_client::ClusterPeerClient;

/// How long connecting to a peer may take.
pub const PEER_CONNECT_TIMEOUT_MS: u64 = 1_000;

/// A lazily connecting client for a peer's cluster address (`host:port` or a URL).
pub fn peer_client(address: &str) -> Result<ClusterPeerClient<Channel>, String> {
    let url = crate::client::normalize_address(address);
    let endpoint = Endpoint::from_shared(url)
        .map_err(|e| format!("bad peer address {address:?}: {e}"))?
        .connect_timeout(Duration::from_millis(PEER_CONNECT_TIMEOUT_MS))
        .tcp_nodelay(true);
    Ok(ClusterPeerClient::new(endpoint.connect_lazy())
        .max_decoding_message_size(super::MAX_PEER_MESSAGE_BYTES)
        .max_encoding_message_size(super::MAX_PEER_MESSAGE_BYTES))
}

/// Makes one connection per peer.
#[derive(Clone, Default)]
pub struct PeerNetworkFactory;

impl RaftNetworkFactory<MetaTypeConfig> for PeerNetworkFactory {
    type Network = PeerConnection;

    async fn new_client(&mut self, target: NodeId, node: &MetaNode) -> PeerConnection {
        PeerConnection {
            target,
            client: peer_client(&node.addr),
        }
    }
}

/// Raft's connection to one peer.
pub struct PeerConnection {
    target: NodeId,
    client: Result<ClusterPeerClient<Channel>, String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct PeerError(String);

/// Why a call did not get an answer: the peer is unreachable, or the answer made no sense.
enum CallError {
    Unreachable(PeerError),
    Network(PeerError),
}

impl<E: std::error::Error> From<CallError> for RPCError<NodeId, MetaNode, E> {
    fn from(error: CallError) -> Self {
        match error {
            CallError::Unreachable(e) => RPCError::Unreachable(Unreachable::new(&e)),
            CallError::Network(e) => RPCError::Network(NetworkError::new(&e)),
        }
    }
}

impl PeerConnection {
    /// Sends `request` with `rpc`, decoding the peer's `Result<Resp, Err>` from JSON.
    async fn call<Req, Resp, Err, F, Fut>(
        &mut self,
        request: &Req,
        option: &RPCOption,
        rpc: F,
    ) -> Result<Result<Resp, Err>, CallError>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
        Err: DeserializeOwned,
        F: FnOnce(ClusterPeerClient<Channel>, PeerPayload) -> Fut,
        Fut: std::future::Future<Output = Result<tonic::Response<PeerPayload>, tonic::Status>>,
    {
        let client = self
            .client
            .clone()
            .map_err(|e| CallError::Unreachable(PeerError(e)))?;
        let json = serde_json::to_vec(request)
            .map_err(|e| CallError::Network(PeerError(format!("encoding a request: {e}"))))?;
        let answer = tokio::time::timeout(
            option.hard_ttl(),
            rpc(client, PeerPayload { json: json.into() }),
        )
        .await
        .map_err(|_| {
            CallError::Unreachable(PeerError(format!(
                "peer {} did not answer within {:?}",
                self.target,
                option.hard_ttl()
            )))
        })?
        .map_err(|status| {
            CallError::Unreachable(PeerError(format!(
                "peer {}: {}",
                self.target,
                status.message()
            )))
        })?;
        serde_json::from_slice(&answer.into_inner().json).map_err(|e| {
            CallError::Network(PeerError(format!(
                "peer {} sent an answer that does not parse: {e}",
                self.target
            )))
        })
    }
}

impl RaftNetwork<MetaTypeConfig> for PeerConnection {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<MetaTypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<NodeId>, RPCError<NodeId, MetaNode, RaftError<NodeId>>> {
        let answer: Result<_, RaftError<NodeId>> = self
            .call(&rpc, &option, |mut c, p| async move {
                c.append_entries(p).await
            })
            .await?;
        answer.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<MetaTypeConfig>,
        option: RPCOption,
    ) -> Result<
        InstallSnapshotResponse<NodeId>,
        RPCError<NodeId, MetaNode, RaftError<NodeId, InstallSnapshotError>>,
    > {
        let answer: Result<_, RaftError<NodeId, InstallSnapshotError>> = self
            .call(&rpc, &option, |mut c, p| async move {
                c.install_snapshot(p).await
            })
            .await?;
        answer.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<NodeId>,
        option: RPCOption,
    ) -> Result<VoteResponse<NodeId>, RPCError<NodeId, MetaNode, RaftError<NodeId>>> {
        let answer: Result<_, RaftError<NodeId>> = self
            .call(&rpc, &option, |mut c, p| async move { c.vote(p).await })
            .await?;
        answer.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
    }
}
