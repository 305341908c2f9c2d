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
use tonic::metadata::{Ascii, MetadataValue};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Certificate, Identity};
use tonic::transport::{Channel, Endpoint};
use tonic::{Request, Status};

use crate::tls::{ClientTls, ServerTls, TlsConfigError};

use super::{MetaNode, MetaTypeConfig, NodeId};
use crate::wire::v1::PeerPayload;
use crate::wire::v1::cluster_peer_client::ClusterPeerClient;

/// How long connecting to a peer may take.
pub const PEER_CONNECT_TIMEOUT_MS: u64 = 1_000;
/// How often a peer connection is pinged (HTTP/2 PING), and how long an answer may take before
/// the connection is dropped and dialled afresh: a connection that lived through a network
/// partition otherwise waits out TCP's retransmission backoff, seconds after the partition
/// healed.
pub const PEER_KEEPALIVE_INTERVAL_MS: u64 = 1_000;
pub const PEER_KEEPALIVE_TIMEOUT_MS: u64 = 1_000;
/// The shortest cluster secret accepted: long enough not to be guessed.
pub const MIN_CLUSTER_SECRET_BYTES: usize = 16;
/// The longest cluster secret accepted.
pub const MAX_CLUSTER_SECRET_BYTES: usize = 1_024;

/// The shared secret brokers show each other on the cluster listener (`serve
/// --cluster-secret-file`): outgoing peer calls carry it as a bearer token and the listener
/// refuses calls without it. Without a secret, the listener takes any caller (keep it on a
/// private network then).
#[derive(Clone, Default)]
pub struct PeerAuth {
    bearer: Option<MetadataValue<Ascii>>,
    /// With mutual TLS between brokers: how to dial peers.
    tls: Option<ClientTls>,
}

/// Mutual TLS between brokers on the cluster listener (`serve --cluster-tls-cert --cluster-tls-key
/// --cluster-tls-ca`): each broker serves its certificate and dials peers showing the same one,
/// and both sides accept only certificates signed by the cluster CA. A broker certificate must
/// therefore allow both server and client authentication and name the host its peers dial (the
/// host of its `--peers` entry).
#[derive(Clone, Debug)]
pub struct PeerTls {
    pub listener: ServerTls,
    pub dialer: ClientTls,
}

impl PeerTls {
    /// Checks the settings as a whole now (a key that does not match its certificate stops the
    /// broker at startup).
    pub fn new(identity: Identity, ca: Certificate) -> Result<PeerTls, TlsConfigError> {
        Ok(PeerTls {
            listener: ServerTls::new(identity.clone(), Some(ca.clone()))?,
            dialer: ClientTls::new(ca, Some(identity)),
        })
    }
}

impl PeerAuth {
    /// Checks the secret: printable ASCII without spaces, of a sane length.
    pub fn new(secret: Option<&str>) -> Result<PeerAuth, String> {
        let Some(secret) = secret else {
            return Ok(PeerAuth::default());
        };
        if !(MIN_CLUSTER_SECRET_BYTES..=MAX_CLUSTER_SECRET_BYTES).contains(&secret.len()) {
            return Err(format!(
                "the cluster secret must be {MIN_CLUSTER_SECRET_BYTES} to {MAX_CLUSTER_SECRET_BYTES} bytes, got {}",
                secret.len()
            ));
        }
        if !secret.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("the cluster secret must be printable ASCII without spaces".into());
        }
        let bearer = format!("Bearer {secret}")
            .parse()
            .map_err(|_| "the cluster secret is not a valid header value".to_string())?;
        Ok(PeerAuth {
            bearer: Some(bearer),
            tls: None,
        })
    }

    /// These credentials, dialing peers over mutual TLS when `tls` is set.
    pub fn with_tls(mut self, tls: Option<&PeerTls>) -> PeerAuth {
        self.tls = tls.map(|t| t.dialer.clone());
        self
    }

    /// Whether an incoming peer call shows the secret (any call does, without one). The
    /// comparison takes the same time wherever the first difference is.
    pub fn admits<T>(&self, request: &Request<T>) -> bool {
        let Some(expected) = &self.bearer else {
            return true;
        };
        let Some(shown) = request.metadata().get("authorization") else {
            return false;
        };
        let (expected, shown) = (expected.as_bytes(), shown.as_bytes());
        expected.len() == shown.len()
            && expected
                .iter()
                .zip(shown)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }

    /// The listener's check, as a tonic interceptor.
    pub fn check(&self) -> impl tonic::service::Interceptor + Clone + use<> {
        let auth = self.clone();
        move |request: Request<()>| {
            if auth.admits(&request) {
                Ok(request)
            } else {
                Err(Status::unauthenticated(
                    "this cluster listener requires the cluster secret (serve --cluster-secret-file)",
                ))
            }
        }
    }
}

impl tonic::service::Interceptor for PeerAuth {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        if let Some(bearer) = &self.bearer {
            request
                .metadata_mut()
                .insert("authorization", bearer.clone());
        }
        Ok(request)
    }
}

/// A client of a peer's `ClusterPeer` service, showing the cluster secret.
pub type PeerClient = ClusterPeerClient<InterceptedService<Channel, PeerAuth>>;

/// A lazily connecting client for a peer's cluster address (`host:port` or a URL).
pub fn peer_client(address: &str, auth: &PeerAuth) -> Result<PeerClient, String> {
    let url = match &auth.tls {
        Some(_) if !address.contains("://") => format!("https://{address}"),
        _ => crate::wire::address::normalize_address(address),
    };
    let mut endpoint = Endpoint::from_shared(url)
        .map_err(|e| format!("bad peer address {address:?}: {e}"))?
        .connect_timeout(Duration::from_millis(PEER_CONNECT_TIMEOUT_MS))
        .http2_keep_alive_interval(Duration::from_millis(PEER_KEEPALIVE_INTERVAL_MS))
        .keep_alive_timeout(Duration::from_millis(PEER_KEEPALIVE_TIMEOUT_MS))
        .keep_alive_while_idle(true)
        .tcp_nodelay(true);
    if let Some(tls) = &auth.tls {
        endpoint = endpoint
            .tls_config(tls.tonic_config())
            .map_err(|e| format!("TLS to peer {address:?}: {}", crate::tls::error_chain(&e)))?;
    }
    Ok(
        ClusterPeerClient::with_interceptor(endpoint.connect_lazy(), auth.clone())
            .max_decoding_message_size(super::MAX_PEER_MESSAGE_BYTES)
            .max_encoding_message_size(super::MAX_PEER_MESSAGE_BYTES),
    )
}

/// Makes one connection per peer.
#[derive(Clone, Default)]
pub struct PeerNetworkFactory {
    pub auth: PeerAuth,
}

impl RaftNetworkFactory<MetaTypeConfig> for PeerNetworkFactory {
    type Network = PeerConnection;

    async fn new_client(&mut self, target: NodeId, node: &MetaNode) -> PeerConnection {
        PeerConnection {
            target,
            client: peer_client(&node.addr, &self.auth),
        }
    }
}

/// Raft's connection to one peer.
pub struct PeerConnection {
    target: NodeId,
    client: Result<PeerClient, String>,
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
        F: FnOnce(PeerClient, PeerPayload) -> Fut,
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
