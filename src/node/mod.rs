//! The composition root: [`Node::start`] builds a whole broker from a validated
//! [`NodeConfig`] (storage, committed offsets, the cluster's Raft node and replication, the
//! engine, and the gRPC, Kafka, metrics and peer listeners) and returns a handle with the bound
//! addresses and a graceful stop. `flashq serve`, `flashq demo` and `bench --embedded` start
//! brokers only through it; the integration tests start `flashq serve`.
//!
//! Nothing here parses flags or prints: the CLI turns its arguments into a `NodeConfig` and a
//! [`NodeError`] into an exit code.

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::broker::acl::AccessControl;
use crate::broker::{Broker, BrokerConfig, BrokerError};
use crate::cluster::groups::{MetadataPlacement, ReplicatedOffsets};
use crate::cluster::network::PeerTls;
use crate::cluster::replication::{Replication, ReplicationConfig};
use crate::cluster::{ClusterConfig, ClusterError, ClusterNode, NodeId};
use crate::server::auth::Authenticator;
use crate::server::metrics::{Metrics, bind_endpoint};
use crate::server::{ServeError, ServeOptions};
use crate::storage::faults::{self, DiskFault};
use crate::storage::file::{FileStorage, FileStorageOptions};
use crate::storage::memory::MemoryStorage;
use crate::storage::offset_store::{
    FileOffsetStore, FileOffsetStoreOptions, MemoryOffsetStore, OffsetStore,
};
use crate::storage::recovery::Verify;
use crate::storage::{FsyncPolicy, RecordLimits, Storage, StorageError};
use crate::tls::{ServerTls, StreamTls};

/// How often the debug disk-fault file is read again.
const DEBUG_FAULT_POLL_MS: u64 = 50;

/// Where records are kept.
#[derive(Debug, Clone)]
pub enum StorageChoice {
    /// Nothing survives the process.
    Memory,
    /// Segment files (and committed offsets, and in a cluster the Raft files) in `data_dir`.
    File {
        data_dir: PathBuf,
        fsync: FsyncPolicy,
    },
}

/// The Kafka listener's settings.
#[derive(Debug, Clone)]
pub struct KafkaConfig {
    pub listen: SocketAddr,
    /// HOST:PORT Kafka clients are told to connect to; `None`: the bound address.
    pub advertised: Option<(String, u16)>,
    pub tls: Option<StreamTls>,
}

/// This broker's part in a cluster.
#[derive(Debug, Clone)]
pub struct ClusterSettings {
    pub node_id: NodeId,
    pub cluster_listen: SocketAddr,
    /// The voters that form the cluster (`--peers`); empty when joining.
    pub peers: std::collections::BTreeMap<NodeId, String>,
    /// A live broker's cluster address to join through (`--join`).
    pub join: Option<String>,
    /// Once joined, become a voter (`--join-as-voter`).
    pub join_as_voter: bool,
    /// The controller moves leaderships back to preferred replicas (`--no-auto-leader-rebalance`
    /// turns it off).
    pub auto_leader_rebalance: bool,
    /// Where clients reach this broker, as a URL; `None`: the bound gRPC address.
    pub advertised_address: Option<String>,
    pub heartbeat_interval_ms: u64,
    pub session_timeout_ms: u64,
    pub secret: Option<String>,
    pub peer_tls: Option<PeerTls>,
    pub replication: ReplicationConfig,
}

/// A whole broker's settings, already validated by whoever built them.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    pub listen: SocketAddr,
    pub storage: StorageChoice,
    pub limits: RecordLimits,
    pub auto_create_topics: bool,
    pub default_partitions: u32,
    pub retention_check_interval_ms: u64,
    pub tls: Option<ServerTls>,
    pub acl: Option<Arc<AccessControl>>,
    pub max_connections: usize,
    pub metrics_listen: Option<SocketAddr>,
    pub kafka: Option<KafkaConfig>,
    pub cluster: Option<ClusterSettings>,
    /// A file naming a disk fault to inject (tests only; see `storage::faults`).
    pub disk_fault_file: Option<PathBuf>,
}

impl NodeConfig {
    /// A single broker on 127.0.0.1 port 0 with no listener but gRPC: what `demo` and
    /// `bench --embedded` host in their own process.
    pub fn embedded(storage: StorageChoice) -> NodeConfig {
        let broker = BrokerConfig::default();
        NodeConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            storage,
            limits: broker.limits,
            auto_create_topics: broker.auto_create_topics,
            default_partitions: broker.default_partitions,
            retention_check_interval_ms: broker.retention_check_interval_ms,
            tls: None,
            acl: None,
            max_connections: crate::server::DEFAULT_MAX_CONNECTIONS,
            metrics_listen: None,
            kafka: None,
            cluster: None,
            disk_fault_file: None,
        }
    }
}

/// Why a node did not start, by what the operator should do about it.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// Another broker holds the data dir.
    #[error(transparent)]
    DirLocked(StorageError),
    /// A listener could not bind; `flag` is the setting that chose the address.
    #[error("cannot listen{what} on {address}: {source}")]
    Bind {
        what: &'static str,
        flag: &'static str,
        address: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    /// The settings do not fit together.
    #[error("{0}")]
    Config(String),
    /// Damage in the Raft log, vote or snapshot: this broker stays out of the cluster.
    #[error("cannot join the cluster: {0}")]
    DamagedMetadata(StorageError),
    /// Damage in the committed offsets store.
    #[error("cannot open committed group offsets: {0}")]
    DamagedOffsets(StorageError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error(transparent)]
    Broker(#[from] BrokerError),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Serve(#[from] ServeError),
    #[error("a startup task failed: {0}")]
    Task(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

fn task_error(e: tokio::task::JoinError) -> NodeError {
    NodeError::Task(e.to_string())
}

async fn bind(
    what: &'static str,
    flag: &'static str,
    address: SocketAddr,
) -> Result<tokio::net::TcpListener, NodeError> {
    tokio::net::TcpListener::bind(address)
        .await
        .map_err(|source| NodeError::Bind {
            what,
            flag,
            address,
            source,
        })
}

/// A running broker.
pub struct Node {
    pub grpc_address: SocketAddr,
    pub kafka_address: Option<SocketAddr>,
    pub metrics_address: Option<SocketAddr>,
    /// `Some((id, cluster address, voters))` in a cluster.
    pub cluster_address: Option<(NodeId, SocketAddr, usize)>,
    pub broker: Arc<Broker>,
    stop: watch::Sender<bool>,
    server: Option<JoinHandle<Result<(), ServeError>>>,
    kafka: Option<JoinHandle<()>>,
    metrics: Option<JoinHandle<()>>,
    cluster: Option<(Arc<ClusterNode>, Arc<Replication>, JoinHandle<()>)>,
    retention: JoinHandle<()>,
}

impl Node {
    /// Opens storage and offsets, joins the cluster (when configured), opens the engine and
    /// starts every listener; on return every bound address is serving.
    pub async fn start(config: NodeConfig) -> Result<Node, NodeError> {
        let NodeConfig {
            listen,
            storage: storage_choice,
            limits,
            auto_create_topics,
            default_partitions,
            retention_check_interval_ms,
            tls,
            acl,
            max_connections,
            metrics_listen,
            kafka,
            cluster,
            disk_fault_file,
        } = config;
        let storage = open_storage(&storage_choice, limits, cluster.is_some()).await?;
        if cluster
            .as_ref()
            .is_some_and(|c| c.cluster_listen.port() == 0 && c.join.is_none())
        {
            return Err(NodeError::Config(
                "--cluster-listen needs a fixed port: peers dial the addresses in --peers".into(),
            ));
        }
        let listener = bind("", "--listen", listen).await?;
        let grpc_address = listener.local_addr()?;
        let kafka_listener = match &kafka {
            Some(kafka) => Some(bind(" for Kafka clients", "--kafka-listen", kafka.listen).await?),
            None => None,
        };
        let kafka_bound = match &kafka_listener {
            Some(listener) => Some(listener.local_addr()?),
            None => None,
        };
        let kafka_advertised = match (&kafka, kafka_bound) {
            (Some(kafka), Some(bound)) => Some(
                kafka
                    .advertised
                    .clone()
                    .unwrap_or_else(|| (bound.ip().to_string(), bound.port())),
            ),
            _ => None,
        };
        let data_dir = match &storage_choice {
            StorageChoice::File { data_dir, .. } => Some(data_dir.clone()),
            StorageChoice::Memory => None,
        };
        // In a cluster the Raft node starts before the broker opens: committed group offsets
        // live in its metadata.
        let cluster_node = match &cluster {
            Some(settings) => Some(
                start_cluster_node(
                    settings,
                    grpc_address,
                    kafka_advertised.as_ref(),
                    data_dir.as_deref(),
                )
                .await?,
            ),
            None => None,
        };
        let offsets =
            open_offsets(cluster_node.as_ref().map(|(n, _)| n), data_dir.as_deref()).await?;
        let broker_config = BrokerConfig {
            // In a cluster a produce creates a topic through the controller (Replication),
            // never on one broker alone.
            auto_create_topics: auto_create_topics && cluster.is_none(),
            default_partitions: default_partitions.max(1),
            limits,
            retention_check_interval_ms,
            ..BrokerConfig::default()
        };
        let mut broker = Broker::open_with_offsets(storage, offsets, broker_config).await?;
        if let Some((node, _)) = &cluster_node {
            broker = broker.with_group_placement(Arc::new(MetadataPlacement::new(node.clone())));
        }
        let broker = Arc::new(broker);
        if let (Some(path), Some(dir)) = (disk_fault_file, &data_dir) {
            tokio::spawn(drive_disk_faults(path, dir.clone()));
        }
        let retention = broker.spawn_retention();

        let (stop, stop_rx) = watch::channel(false);
        let stopped = move || {
            let mut stop_rx = stop_rx.clone();
            async move {
                let _ = stop_rx.wait_for(|stop| *stop).await;
            }
        };
        let metrics = Arc::new(Metrics::new());
        let (metrics_address, metrics_endpoint) = match metrics_listen {
            Some(address) => {
                let (bound, endpoint) =
                    bind_endpoint(address, metrics.clone(), broker.clone(), stopped())
                        .await
                        .map_err(|source| NodeError::Bind {
                            what: " for metrics",
                            flag: "--metrics-listen",
                            address,
                            source,
                        })?;
                (Some(bound), Some(tokio::spawn(endpoint)))
            }
            None => (None, None),
        };
        let (cluster_address, cluster_parts) = match (cluster_node, &cluster) {
            (Some((node, peer_listener)), Some(settings)) => {
                let replicas =
                    Replication::start(node.clone(), broker.clone(), settings.replication).await?;
                let cluster_bound = peer_listener.local_addr()?;
                let peers = tokio::spawn({
                    let serve = crate::server::cluster::serve_peers(
                        node.clone(),
                        Some(broker.clone()),
                        peer_listener,
                        stopped(),
                    );
                    async move {
                        let _ = serve.await;
                    }
                });
                node.spawn_membership();
                let voters = node.members().0.len().max(node.config().peers.len());
                (
                    Some((node.id(), cluster_bound, voters)),
                    Some((node, replicas, peers)),
                )
            }
            _ => (None, None),
        };
        let kafka = match (kafka_listener, kafka_advertised, kafka) {
            (Some(listener), Some((advertised_host, advertised_port)), Some(settings)) => {
                Some(tokio::spawn(crate::kafka::serve(
                    broker.clone(),
                    listener,
                    stopped(),
                    crate::kafka::KafkaOptions {
                        node_id: cluster
                            .as_ref()
                            .map_or(0, |c| i32::try_from(c.node_id).unwrap_or(i32::MAX)),
                        advertised_host,
                        advertised_port,
                        max_connections,
                        tls: settings.tls,
                    },
                    cluster_parts.as_ref().map(|(node, ..)| node.clone()),
                    match &cluster_parts {
                        Some((_, replicas, _)) => replicas.clone(),
                        None => broker.clone(),
                    },
                    acl.clone(),
                )))
            }
            _ => None,
        };
        let server = tokio::spawn(crate::server::serve_with_metrics(
            broker.clone(),
            listener,
            stopped(),
            metrics,
            Authenticator::new(acl),
            ServeOptions {
                tls,
                max_connections,
                cluster: cluster_parts
                    .as_ref()
                    .map(|(node, replicas, _)| (node.clone(), replicas.clone())),
            },
        ));
        Ok(Node {
            grpc_address,
            kafka_address: kafka_bound,
            metrics_address,
            cluster_address,
            broker,
            stop,
            server: Some(server),
            kafka,
            metrics: metrics_endpoint,
            cluster: cluster_parts,
            retention,
        })
    }

    /// The gRPC address as a URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.grpc_address)
    }

    /// Runs until `signal` completes or the gRPC server stops, then stops gracefully.
    pub async fn serve_until(mut self, signal: impl Future<Output = ()>) -> Result<(), NodeError> {
        let mut server = self.server.take().expect("a started node has its server");
        let served = tokio::select! {
            served = &mut server => Some(served),
            () = signal => None,
        };
        match served {
            // The server stopped by itself: nothing to wait for but the rest.
            Some(served) => {
                let _ = self.stop.send(true);
                let result = served.map_err(task_error)?;
                self.finish().await?;
                result?;
                Ok(())
            }
            None => {
                tracing::info!("shutting down: no new connections, finishing in-flight requests");
                self.server = Some(server);
                self.stop().await
            }
        }
    }

    /// Stops accepting, lets in-flight requests finish, stops the cluster parts and closes
    /// every log.
    pub async fn stop(mut self) -> Result<(), NodeError> {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            server.await.map_err(task_error)??;
        }
        self.finish().await
    }

    async fn finish(mut self) -> Result<(), NodeError> {
        if let Some((node, replicas, peers)) = self.cluster.take() {
            replicas.shutdown();
            node.shutdown().await;
            let _ = peers.await;
        }
        if let Some(endpoint) = self.metrics.take() {
            let _ = endpoint.await;
        }
        if let Some(kafka) = self.kafka.take() {
            let _ = kafka.await;
        }
        self.retention.abort();
        self.broker.close().await?;
        tracing::info!("clean shutdown");
        Ok(())
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn open_storage(
    choice: &StorageChoice,
    limits: RecordLimits,
    clustered: bool,
) -> Result<Arc<dyn Storage>, NodeError> {
    match choice {
        StorageChoice::Memory => Ok(Arc::new(MemoryStorage::new(limits))),
        StorageChoice::File { data_dir, fsync } => {
            let dir = data_dir.clone();
            let fsync = *fsync;
            let opened = tokio::task::spawn_blocking(move || {
                // A replica in a cluster checks every batch at open: it can copy damaged
                // records back from its leader, but only if it finds them before it serves or
                // replicates anything. A single broker trusts its closed segments, as Kafka does.
                let verify = if clustered {
                    Verify::Everything
                } else {
                    Verify::Unflushed
                };
                FileStorage::open(
                    &dir,
                    FileStorageOptions {
                        fsync,
                        limits,
                        verify,
                    },
                )
            })
            .await
            .map_err(task_error)?;
            match opened {
                Ok(storage) => Ok(Arc::new(storage)),
                Err(e @ StorageError::DirLocked { .. }) => Err(NodeError::DirLocked(e)),
                Err(e) => Err(e.into()),
            }
        }
    }
}

async fn start_cluster_node(
    settings: &ClusterSettings,
    grpc_address: SocketAddr,
    kafka_advertised: Option<&(String, u16)>,
    data_dir: Option<&Path>,
) -> Result<(Arc<ClusterNode>, tokio::net::TcpListener), NodeError> {
    let peer_listener = bind(
        " for the cluster",
        "--cluster-listen",
        settings.cluster_listen,
    )
    .await?;
    // A joining broker tells the cluster where it listens: the bound address (port 0 allowed).
    let peers = match &settings.join {
        None => settings.peers.clone(),
        Some(_) => {
            let bound = peer_listener.local_addr()?;
            if bound.ip().is_unspecified() {
                return Err(NodeError::Config(
                    "--join needs a --cluster-listen address peers can dial, not a wildcard".into(),
                ));
            }
            [(settings.node_id, bound.to_string())].into()
        }
    };
    let config = ClusterConfig {
        kafka_address: kafka_advertised.map(|(host, port)| format!("{host}:{port}")),
        node_id: settings.node_id,
        client_address: settings
            .advertised_address
            .clone()
            .unwrap_or_else(|| format!("http://{grpc_address}")),
        peers,
        join: settings.join.clone(),
        join_as_voter: settings.join_as_voter,
        heartbeat_interval_ms: settings.heartbeat_interval_ms,
        session_timeout_ms: settings.session_timeout_ms,
        dir: data_dir.map(|d| d.join("cluster")),
        secret: settings.secret.clone(),
        tls: settings.peer_tls.clone(),
        auto_leader_rebalance: settings.auto_leader_rebalance,
    };
    config
        .validate()
        .map_err(|e| NodeError::Config(e.to_string()))?;
    if let Some(dir) = config.dir.clone() {
        // Damage in the Raft log, vote or snapshot keeps this broker out of the cluster: a
        // voter whose log forgot acknowledged entries must never vote.
        let checked = tokio::task::spawn_blocking(move || crate::cluster::verify_dir(&dir))
            .await
            .map_err(task_error)?;
        match checked {
            Ok(()) => {}
            Err(e @ StorageError::Corrupt { .. }) => return Err(NodeError::DamagedMetadata(e)),
            Err(e) => return Err(e.into()),
        }
    }
    let node = ClusterNode::start(config).await?;
    Ok((node, peer_listener))
}

/// Committed group offsets live beside the topics, in `<data-dir>/groups/`, or in a cluster in
/// its metadata.
async fn open_offsets(
    cluster: Option<&Arc<ClusterNode>>,
    data_dir: Option<&Path>,
) -> Result<Arc<dyn OffsetStore>, NodeError> {
    match (cluster, data_dir) {
        (Some(node), _) => Ok(Arc::new(ReplicatedOffsets::new(node.clone()))),
        (None, None) => Ok(Arc::new(MemoryOffsetStore::new())),
        (None, Some(data_dir)) => {
            let dir = data_dir.join("groups");
            let opened = tokio::task::spawn_blocking(move || {
                FileOffsetStore::open(&dir, FileOffsetStoreOptions::default())
            })
            .await
            .map_err(task_error)?;
            match opened {
                Ok(store) => Ok(Arc::new(store)),
                Err(e @ StorageError::Corrupt { .. }) => Err(NodeError::DamagedOffsets(e)),
                Err(e) => Err(e.into()),
            }
        }
    }
}

/// Injects (and clears) the disk fault the file at `path` names (`none` or an empty or missing
/// file: none), re-reading it every [`DEBUG_FAULT_POLL_MS`], so tests can fill and free a
/// pretend disk under a running broker.
async fn drive_disk_faults(path: PathBuf, data_dir: PathBuf) {
    tracing::warn!(
        file = %path.display(),
        "{} is set: disk faults named in that file are injected (a testing switch, never for real data)",
        faults::DEBUG_FAULT_FILE_ENV
    );
    let mut current: Option<DiskFault> = None;
    let mut last_text = String::new();
    let mut interval = tokio::time::interval(std::time::Duration::from_millis(DEBUG_FAULT_POLL_MS));
    loop {
        interval.tick().await;
        let text = tokio::fs::read_to_string(&path).await.unwrap_or_default();
        if text == last_text {
            continue;
        }
        last_text = text.clone();
        let wanted = match text.trim() {
            "" | "none" => None,
            name => match name.parse::<DiskFault>() {
                Ok(fault) => Some(fault),
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "ignoring the debug fault file");
                    continue;
                }
            },
        };
        if wanted != current {
            match wanted {
                Some(fault) => faults::inject(&data_dir, fault),
                None => faults::clear(&data_dir),
            }
            tracing::warn!(fault = ?wanted, "debug disk fault changed");
            current = wanted;
        }
    }
}
