//! `flashq serve`: hosts the whole broker until SIGINT or SIGTERM.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use clap::{Args, ValueEnum};

use crate::broker::acl::AccessControl;
use crate::cluster::network::PeerTls;
use crate::cluster::replication::ReplicationConfig;
use crate::node::{ClusterSettings, KafkaConfig, Node, NodeConfig, NodeError, StorageChoice};
use crate::storage::faults;
use crate::storage::{FsyncPolicy, RecordLimits};

use crate::tls::{ServerTls, StreamTls, read_certificates, read_identity};

use super::shutdown::shutdown_signal;
use super::{CliError, Context, ExitCode, LogFormat, TlsFiles};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StorageKind {
    /// Segment files in the data dir
    File,
    /// In memory: nothing survives a restart
    Memory,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on; port 0 picks a free port. The bound address is the first line of stdout.
    #[arg(long, default_value = DEFAULT_LISTEN, env = "FLASHQ_LISTEN")]
    pub listen: SocketAddr,
    /// Data dir [default: config file's data_dir, else the platform data dir]
    #[arg(long, env = "FLASHQ_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Where records are kept
    #[arg(long, value_enum, default_value_t = StorageKind::File)]
    pub storage: StorageKind,
    /// When appends reach the disk: always (acked = fsynced, group commit), interval:<ms>, never [default: always]
    #[arg(long, env = "FLASHQ_FSYNC", value_name = "POLICY")]
    pub fsync: Option<FsyncPolicy>,
    /// Reject produce requests to topics that do not exist instead of creating them
    #[arg(long)]
    pub no_auto_create_topics: bool,
    /// Partitions of topics created without a count
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub default_partitions: u32,
    /// Largest record accepted (key + value + headers)
    #[arg(long, default_value_t = crate::storage::DEFAULT_MAX_RECORD_BYTES, value_name = "BYTES")]
    pub max_record_bytes: usize,
    /// Largest produce batch accepted (sum of record sizes)
    #[arg(long, default_value_t = crate::storage::DEFAULT_MAX_BATCH_BYTES, value_name = "BYTES")]
    pub max_batch_bytes: usize,
    /// How often retention deletes expired segments
    #[arg(long, default_value_t = 300_000, value_name = "MS")]
    pub retention_check_interval_ms: u64,
    /// Serve Prometheus metrics on http://ADDR/metrics (port 0 picks a free port; its address
    /// is printed on stderr) [default: off]
    #[arg(long, env = "FLASHQ_METRICS_LISTEN", value_name = "ADDR")]
    pub metrics_listen: Option<SocketAddr>,
    /// Require a bearer token on every FlashQ RPC: a TOML file of principals, their tokens and
    /// their produce/consume/admin rights per topic prefix (see docs/operations.md) [default: off]
    #[arg(long, env = "FLASHQ_AUTH_TOKENS", value_name = "PATH")]
    pub auth_tokens: Option<PathBuf>,
    /// Mutual TLS: accept only clients whose certificate is signed by a CA in this PEM file;
    /// needs --tls-cert and --tls-key, which turn TLS on [default: off]
    #[arg(long, env = "FLASHQ_TLS_CLIENT_CA", value_name = "PATH")]
    pub tls_client_ca: Option<PathBuf>,
    /// Most client connections served at once; a connection over the limit is closed as soon as
    /// it is accepted (and a warning logged, at most every 10 s)
    #[arg(long, default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS, value_name = "N")]
    pub max_connections: usize,
    /// This broker's id in a cluster; with --cluster-listen and --peers (or --join) it is a
    /// cluster broker [default: a single broker, no cluster]
    #[arg(long, value_name = "N", requires = "cluster_listen")]
    pub node_id: Option<u64>,
    /// Address for cluster traffic (Raft, replication), on a fixed port: peers dial it (port 0
    /// is allowed with --join)
    #[arg(long, value_name = "ADDR", requires = "node_id")]
    pub cluster_listen: Option<SocketAddr>,
    /// Every voter's cluster address, this broker's included: ID=HOST:PORT,ID=HOST:PORT,...
    #[arg(long, value_name = "LIST", requires = "node_id", value_parser = parse_peers_arg)]
    pub peers: Option<Peers>,
    /// Join a running cluster through any live broker's cluster address (HOST:PORT), as a
    /// learner that copies the metadata; `flashq cluster add-broker N` makes it a voter
    #[arg(long, value_name = "HOST:PORT", requires = "node_id", conflicts_with = "peers", value_parser = parse_join_arg)]
    pub join: Option<String>,
    /// With --join: become a voter as soon as the metadata is copied
    #[arg(long, requires = "join")]
    pub join_as_voter: bool,
    /// In a cluster: do not move leaderships back to preferred replicas (the first of each
    /// partition's list) once they are in sync again
    #[arg(long)]
    pub no_auto_leader_rebalance: bool,
    /// Where clients reach this broker, as registered with the cluster [default: the bound
    /// --listen address]
    #[arg(long, value_name = "URL", requires = "node_id")]
    pub advertised_address: Option<String>,
    /// How often a cluster broker heartbeats to the controller
    #[arg(long, default_value_t = crate::cluster::node::DEFAULT_HEARTBEAT_INTERVAL_MS, value_name = "MS")]
    pub heartbeat_interval_ms: u64,
    /// How long a cluster broker may go without a heartbeat before the controller fences it
    /// and moves its partition leaderships
    #[arg(long, default_value_t = crate::cluster::node::DEFAULT_SESSION_TIMEOUT_MS, value_name = "MS")]
    pub broker_session_timeout_ms: u64,
    /// In a cluster: replicas per partition of topics created without a count (at most the
    /// live brokers)
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub default_replication_factor: u32,
    /// In a cluster: acks=all produces fail with UNAVAILABLE while fewer replicas than this
    /// are in sync (capped at the replication factor)
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub min_insync_replicas: u32,
    /// In a cluster: a follower not caught up for this long leaves the ISR; an acks=all
    /// produce waits at most twice this for the ISR
    #[arg(long, default_value_t = 5_000, value_name = "MS")]
    pub replica_lag_max_ms: u64,
    /// In a cluster: a file holding the secret (16 to 1024 printable characters) every broker
    /// shows on the cluster listener; calls without it are refused [default: off, any caller]
    #[arg(long, env = "FLASHQ_CLUSTER_SECRET_FILE", value_name = "PATH")]
    pub cluster_secret_file: Option<PathBuf>,
    /// In a cluster: this broker's certificate (PEM) for mutual TLS on the cluster listener,
    /// allowing server and client authentication and naming its host in --peers; needs
    /// --cluster-tls-key and --cluster-tls-ca [default: off, plain text]
    #[arg(long, env = "FLASHQ_CLUSTER_TLS_CERT", value_name = "PATH")]
    pub cluster_tls_cert: Option<PathBuf>,
    /// In a cluster: the private key (PEM) of --cluster-tls-cert
    #[arg(long, env = "FLASHQ_CLUSTER_TLS_KEY", value_name = "PATH")]
    pub cluster_tls_key: Option<PathBuf>,
    /// In a cluster: the CA (PEM) that signed every broker's --cluster-tls-cert; peers with a
    /// certificate from elsewhere are refused during the handshake
    #[arg(long, env = "FLASHQ_CLUSTER_TLS_CA", value_name = "PATH")]
    pub cluster_tls_ca: Option<PathBuf>,
    /// Serve Kafka clients (kcat, librdkafka, the Java client) on ADDR, or `off`; port 0 picks
    /// a free port. The bound address is the second line of stdout (docs/kafka.md) [default:
    /// 127.0.0.1:9092 when --listen is left at its default, for a single broker without TLS or
    /// tokens; else off]
    #[arg(long, env = "FLASHQ_KAFKA_LISTEN", value_name = "ADDR|off", value_parser = parse_kafka_listen)]
    pub kafka_listen: Option<KafkaListen>,
    /// HOST:PORT that Kafka clients are told to connect to [default: the bound --kafka-listen
    /// address]
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_host_port)]
    pub kafka_advertised_address: Option<(String, u16)>,
}

/// `--kafka-listen`: an address, or off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KafkaListen {
    Off,
    On(SocketAddr),
}

fn parse_kafka_listen(text: &str) -> Result<KafkaListen, String> {
    if text == "off" {
        return Ok(KafkaListen::Off);
    }
    text.parse()
        .map(KafkaListen::On)
        .map_err(|_| format!("{text:?} is not HOST:PORT (an IP address and a port) or off"))
}

fn parse_host_port(text: &str) -> Result<(String, u16), String> {
    let bad = || format!("{text:?} is not HOST:PORT");
    let (host, port) = text.rsplit_once(':').ok_or_else(bad)?;
    let port = port.parse().map_err(|_| bad())?;
    if host.is_empty() {
        return Err(bad());
    }
    Ok((host.trim_matches(['[', ']']).to_string(), port))
}

/// The gRPC listener's default, which is how `serve` recognises a zero-config broker.
const DEFAULT_LISTEN: &str = "127.0.0.1:50051";

/// Where the Kafka listener goes: as asked, or by default on for a zero-config single broker
/// (never by default in a cluster, where each broker needs its own port, or with TLS or tokens,
/// where Kafka clients need settings of their own: SSL, SASL).
fn kafka_listen_address(
    args: &ServeArgs,
    tls: bool,
    tokens: bool,
) -> Result<Option<SocketAddr>, CliError> {
    let clustered = args.node_id.is_some();
    match args.kafka_listen {
        Some(KafkaListen::Off) => Ok(None),
        Some(KafkaListen::On(address)) => Ok(Some(address)),
        None if tls || tokens || clustered => Ok(None),
        None if args.listen.to_string() == DEFAULT_LISTEN => {
            Ok(Some(crate::kafka::DEFAULT_KAFKA_LISTEN.parse().map_err(
                |_| CliError::new(ExitCode::Failure, "bad built-in Kafka address"),
            )?))
        }
        None => Ok(None),
    }
}

/// Reads `--cluster-tls-cert`, `--cluster-tls-key` and `--cluster-tls-ca`: all three, or none.
fn load_peer_tls(args: &ServeArgs) -> Result<Option<PeerTls>, CliError> {
    let (cert, key, ca) = match (
        &args.cluster_tls_cert,
        &args.cluster_tls_key,
        &args.cluster_tls_ca,
    ) {
        (None, None, None) => return Ok(None),
        (Some(cert), Some(key), Some(ca)) => (cert, key, ca),
        _ => {
            return Err(CliError::new(
                ExitCode::Usage,
                "--cluster-tls-cert, --cluster-tls-key and --cluster-tls-ca go together: mutual TLS between brokers needs each broker's certificate, its key and the CA that signed them all",
            ));
        }
    };
    let unusable = |e: &dyn std::fmt::Display| {
        CliError::new(
            ExitCode::InvalidInput,
            format!("cannot use the cluster TLS files: {e}"),
        )
    };
    let identity = read_identity(cert, key).map_err(|e| unusable(&e))?;
    let ca = read_certificates(ca).map_err(|e| unusable(&e))?;
    PeerTls::new(identity, ca)
        .map(Some)
        .map_err(|e| unusable(&e))
}

/// Reads `--cluster-secret-file`: the secret is the file's content without surrounding
/// whitespace, checked when the cluster starts.
fn read_cluster_secret(path: &Path) -> Result<String, CliError> {
    use std::io::Read;
    let bad = |reason: String| {
        CliError::new(
            ExitCode::InvalidInput,
            format!("--cluster-secret-file {}: {reason}", path.display()),
        )
    };
    let file = std::fs::File::open(path).map_err(|e| bad(e.to_string()))?;
    // Read at most a little past the longest secret: a huge file is refused, not loaded.
    let mut text = String::new();
    file.take(crate::cluster::network::MAX_CLUSTER_SECRET_BYTES as u64 * 2)
        .read_to_string(&mut text)
        .map_err(|e| bad(e.to_string()))?;
    let secret = text.trim().to_string();
    crate::cluster::network::PeerAuth::new(Some(&secret)).map_err(bad)?;
    Ok(secret)
}

fn parse_join_arg(text: &str) -> Result<String, String> {
    crate::client::validate_address(text).map(|_| text.trim().to_string())
}

/// The voters named by `--peers`: node id to cluster address.
#[derive(Debug, Clone)]
pub struct Peers(pub std::collections::BTreeMap<u64, String>);

fn parse_peers_arg(text: &str) -> Result<Peers, String> {
    crate::cluster::node::parse_peers(text).map(Peers)
}

/// A startup notice on stderr: a plain line, or a log event when logs are JSON so that every
/// stderr line parses.
fn notice(ctx: &Context, message: &str) {
    match ctx.log_format {
        LogFormat::Text => eprintln!("{message}"),
        LogFormat::Json => tracing::info!("{message}"),
    }
}

/// The platform's data dir for FlashQ (for example ~/.local/share/flashq on Linux).
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "flashq")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("flashq-data"))
}

/// Reads the broker's TLS files: none means plain text. `identity` holds the global
/// --tls-cert/--tls-key from flags or environment only: the config file's TLS keys are client
/// settings.
fn load_tls(identity: &TlsFiles, client_ca: Option<&Path>) -> Result<Option<ServerTls>, CliError> {
    let (cert, key) = match (&identity.cert, &identity.key) {
        (Some(cert), Some(key)) => (cert, key),
        (None, None) if client_ca.is_none() => return Ok(None),
        (None, None) => {
            return Err(CliError::new(
                ExitCode::Usage,
                "--tls-client-ca needs --tls-cert and --tls-key: mutual TLS is TLS first",
            ));
        }
        _ => {
            return Err(CliError::new(
                ExitCode::Usage,
                "--tls-cert and --tls-key go together: the broker's certificate and its key",
            ));
        }
    };
    let identity = read_identity(cert, key).map_err(|e| {
        CliError::new(
            ExitCode::InvalidInput,
            format!("cannot use --tls-cert/--tls-key: {e}"),
        )
    })?;
    let client_ca = match client_ca {
        Some(path) => Some(read_certificates(path).map_err(|e| {
            CliError::new(
                ExitCode::InvalidInput,
                format!("cannot use --tls-client-ca: {e}"),
            )
        })?),
        None => None,
    };
    let tls = ServerTls::new(identity, client_ca).map_err(|e| {
        CliError::new(
            ExitCode::InvalidInput,
            format!("TLS settings rejected: {e}"),
        )
        .with_hint("check that --tls-key is the key of the first certificate in --tls-cert")
    })?;
    Ok(Some(tls))
}

pub async fn run(args: ServeArgs, ctx: &Context, tls_identity: &TlsFiles) -> anyhow::Result<()> {
    let limits = RecordLimits {
        max_record_bytes: args.max_record_bytes,
        max_batch_bytes: args.max_batch_bytes,
        ..RecordLimits::default()
    };
    if limits.max_record_bytes == 0 || limits.max_record_bytes > limits.max_batch_bytes {
        return Err(CliError::new(
            ExitCode::Usage,
            "--max-record-bytes must be between 1 and --max-batch-bytes",
        )
        .into());
    }
    if args.max_connections == 0 {
        return Err(CliError::new(ExitCode::Usage, "--max-connections must be at least 1").into());
    }
    let fsync = match (args.fsync, &ctx.config.fsync) {
        (Some(policy), _) => policy,
        (None, Some(text)) => text.parse().map_err(|e: String| {
            CliError::new(ExitCode::InvalidInput, format!("config fsync: {e}"))
        })?,
        (None, None) => FsyncPolicy::default(),
    };
    // Read the tokens file before touching the data dir: a bad file changes nothing.
    let acl = match &args.auth_tokens {
        Some(path) => Some(Arc::new(
            AccessControl::load(path).map_err(|e| CliError::new(ExitCode::InvalidInput, e))?,
        )),
        None => None,
    };
    let cluster_secret = match &args.cluster_secret_file {
        Some(path) => Some(read_cluster_secret(path)?),
        None => None,
    };
    let peer_tls = load_peer_tls(&args)?;
    let tls = load_tls(tls_identity, args.tls_client_ca.as_deref())?;
    if tls_identity.ca.is_some() {
        // A CA for the broker to trust clients by is --tls-client-ca; never let the client
        // setting look as if it turned mutual TLS on. (The flag itself is refused.)
        tracing::warn!(
            "serve ignores FLASHQ_TLS_CA, a client setting: mutual TLS is --tls-client-ca"
        );
    }
    // A client certificate signed by --tls-client-ca authenticates the client.
    let mutual_tls = tls
        .as_ref()
        .is_some_and(ServerTls::requires_client_certificates);
    if !args.listen.ip().is_loopback() {
        if acl.is_none() && !mutual_tls {
            tracing::warn!(
                listen = %args.listen,
                "listening beyond loopback without --auth-tokens or --tls-client-ca: anyone who can reach this port can read and write every topic"
            );
        }
        if acl.is_some() && tls.is_none() {
            tracing::warn!(
                listen = %args.listen,
                "bearer tokens cross the network in plain text: add --tls-cert and --tls-key"
            );
        }
    }
    let data_dir = args
        .data_dir
        .clone()
        .or_else(|| ctx.config.data_dir.clone())
        .unwrap_or_else(default_data_dir);
    let kafka = match kafka_listen_address(&args, tls.is_some(), acl.is_some())? {
        // The Kafka listener encrypts with the gRPC listener's certificate, key and client CA.
        Some(listen) => Some(KafkaConfig {
            listen,
            advertised: args.kafka_advertised_address.clone(),
            tls: match (&tls_identity.cert, &tls_identity.key) {
                (Some(cert), Some(key)) => Some(
                    StreamTls::load(cert, key, args.tls_client_ca.as_deref()).map_err(|e| {
                        CliError::new(
                            ExitCode::InvalidInput,
                            format!("TLS settings rejected for the Kafka listener: {e}"),
                        )
                    })?,
                ),
                _ => None,
            },
        }),
        None => None,
    };
    let cluster = match (args.node_id, args.cluster_listen) {
        (Some(_), Some(_)) if args.peers.is_none() && args.join.is_none() => {
            return Err(CliError::new(
                ExitCode::Usage,
                "--node-id needs --peers (to form a cluster) or --join (to join one)",
            )
            .into());
        }
        (Some(node_id), Some(cluster_listen)) => Some(ClusterSettings {
            node_id,
            cluster_listen,
            peers: args.peers.as_ref().map(|p| p.0.clone()).unwrap_or_default(),
            join: args.join.clone(),
            join_as_voter: args.join_as_voter,
            auto_leader_rebalance: !args.no_auto_leader_rebalance,
            advertised_address: match &args.advertised_address {
                Some(address) => Some(crate::client::validate_address(address).map_err(|e| {
                    CliError::new(ExitCode::Usage, format!("--advertised-address: {e}"))
                })?),
                None => None,
            },
            heartbeat_interval_ms: args.heartbeat_interval_ms,
            session_timeout_ms: args.broker_session_timeout_ms,
            secret: cluster_secret,
            peer_tls,
            replication: ReplicationConfig {
                min_insync_replicas: args.min_insync_replicas.max(1),
                replica_lag_max_ms: args.replica_lag_max_ms.max(1),
                default_replication_factor: args.default_replication_factor.max(1),
                auto_create_topics: !args.no_auto_create_topics,
            },
        }),
        _ => None,
    };
    let storage = match args.storage {
        StorageKind::Memory => StorageChoice::Memory,
        StorageKind::File => StorageChoice::File {
            data_dir: data_dir.clone(),
            fsync,
        },
    };
    let config = NodeConfig {
        listen: args.listen,
        disk_fault_file: match args.storage {
            StorageKind::File => std::env::var_os(faults::DEBUG_FAULT_FILE_ENV).map(PathBuf::from),
            StorageKind::Memory => None,
        },
        storage,
        limits,
        auto_create_topics: !args.no_auto_create_topics,
        default_partitions: args.default_partitions,
        retention_check_interval_ms: args.retention_check_interval_ms,
        tls: tls.clone(),
        acl,
        max_connections: args.max_connections,
        metrics_listen: args.metrics_listen,
        kafka,
        cluster,
    };

    // Install the SIGINT/SIGTERM handlers before anyone can learn the address: a signal sent as
    // soon as it appears must stop the broker cleanly, not kill it. One poll installs them.
    let mut signalled = Box::pin(shutdown_signal());
    let _ = futures::FutureExt::now_or_never(signalled.as_mut());
    let node = Node::start(config).await.map_err(from_node)?;
    // The first line of stdout is the bound address, so scripts and tests can find a port-0
    // broker; the Kafka address is the second, in the same write: a reader that stops after
    // the first line must not make a later write fail.
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", node.grpc_address)?;
        if let Some(kafka) = node.kafka_address {
            writeln!(out, "{kafka}")?;
        }
        out.flush()?;
    }
    if !ctx.quiet {
        let where_ = match args.storage {
            StorageKind::File => format!("data dir {}, fsync {fsync}", data_dir.display()),
            StorageKind::Memory => "in memory".to_string(),
        };
        let transport = match &tls {
            None => "plain text",
            Some(_) if mutual_tls => "TLS, client certificates required",
            Some(_) => "TLS",
        };
        notice(
            ctx,
            &format!(
                "flashq {} serving on {} ({transport}; {where_})",
                env!("CARGO_PKG_VERSION"),
                node.grpc_address
            ),
        );
        if let Some(bound) = node.metrics_address {
            notice(ctx, &format!("metrics on http://{bound}/metrics"));
        }
        if let Some((id, cluster_listen, voters)) = node.cluster_address {
            notice(
                ctx,
                &format!("cluster node {id} on {cluster_listen}, {voters} voters"),
            );
        }
        if let Some(kafka) = node.kafka_address {
            notice(ctx, &format!("kafka clients on {kafka}"));
        }
    }
    node.serve_until(signalled).await.map_err(from_node)?;
    Ok(())
}

/// A node that did not start (or stopped with an error), as the CLI reports it.
fn from_node(error: NodeError) -> anyhow::Error {
    match error {
        NodeError::DirLocked(e) => CliError::new(ExitCode::Conflict, e.to_string())
            .with_hint("stop the other broker or choose another --data-dir")
            .into(),
        NodeError::Bind {
            what,
            flag,
            address,
            source,
        } => {
            let hint = match flag {
                "--kafka-listen" => " (choose another address with --kafka-listen, or turn it off with --kafka-listen off)",
                _ => "",
            };
            CliError::new(
                ExitCode::Failure,
                format!("cannot listen{what} on {address}: {source}{hint}"),
            )
            .into()
        }
        NodeError::Config(message) => CliError::new(ExitCode::Usage, message).into(),
        NodeError::DamagedMetadata(e) => CliError::new(
            ExitCode::Corrupt,
            format!("cannot join the cluster: {e}"),
        )
        .with_hint("this broker stays out rather than vote with a Raft log, vote or snapshot that lost acknowledged entries; see docs/cluster.md, \"Damaged metadata\"")
        .into(),
        NodeError::DamagedOffsets(e) => CliError::new(
            ExitCode::Corrupt,
            format!("cannot open committed group offsets: {e}"),
        )
        .with_hint("the offsets store is damaged; restore it from a backup or move it aside (this resets every group)")
        .into(),
        other => other.into(),
    }
}
