//! One broker's membership in the cluster: its Raft node, registration and heartbeats, and,
//! while it is the controller (the Raft leader), the fencing of brokers that went silent.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openraft::error::{ClientWriteError, InitializeError, RaftError};
use openraft::{Config, ServerState, SnapshotPolicy};

use super::log_store::LogStore;
use super::network::{PeerAuth, PeerNetworkFactory, PeerTls, peer_client};
use super::state::{MetaCommand, MetaResponse, NodeId};
use super::state_machine::{MetadataView, StateMachineStore};
use super::{MetaNode, MetaRaft};
use crate::broker::now_ms;
use crate::wire::v1::PeerPayload;

/// How often each broker heartbeats by default.
pub const DEFAULT_HEARTBEAT_INTERVAL_MS: u64 = 500;
/// How long a broker may go without a heartbeat before the controller fences it, by default.
pub const DEFAULT_SESSION_TIMEOUT_MS: u64 = 3_000;
/// How long a proposal may look for a controller before it fails as unavailable.
pub const PROPOSE_TIMEOUT_MS: u64 = 5_000;
/// Raft's own heartbeat from the leader to its followers.
const RAFT_HEARTBEAT_MS: u64 = 150;
/// Raft's election timeout range. openraft's followers stand once they have heard no leader
/// for its leader lease (the range's top) plus their timeout, plus twice the top again after
/// they saw a longer log in an election: up to 4 s from a controller's loss at these values
/// (6.4 s at 800..1600, longer than many partitions last, so an isolated controller was
/// often never replaced and fenced healthy brokers when it came back).
const RAFT_ELECTION_TIMEOUT_MS: (u64, u64) = (500, 1_000);
/// After a failed heartbeat, how long a broker waits before it tries again (a whole interval
/// would add to the time it takes to reach a newly elected controller).
const HEARTBEAT_RETRY_MS: u64 = 100;
/// How often a broker removed from the cluster asks to register again (in case it was added
/// back meanwhile).
const REMOVED_RETRY_MS: u64 = 5_000;
/// How many heartbeat intervals a controller waits, once in charge (elected, or back in touch
/// with a quorum), before it fences anyone: every live broker's heartbeat attempt times out
/// within one interval and the next, a retry pause later, reaches this controller.
const FENCING_GRACE_HEARTBEATS: u32 = 3;
/// How often the controller gives leaderships back to preferred replicas that are in sync.
pub const PREFERRED_LEADER_CHECK_MS: u64 = 5_000;
/// Entries between metadata snapshots.
const SNAPSHOT_EVERY_ENTRIES: u64 = 1_000;
/// The most voters a cluster may name.
pub const MAX_VOTERS: usize = 9;

/// Errors of cluster operations.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// No controller could be reached, or it could not commit (no quorum).
    #[error("the cluster is unavailable: {0}")]
    Unavailable(String),
    /// The receiver is not the controller (only returned to forwarded proposals).
    #[error("broker is not the controller; the controller is {0:?}")]
    NotController(Option<NodeId>),
    /// The metadata refused the command.
    #[error("{0}")]
    Rejected(String),
    #[error("invalid cluster configuration: {0}")]
    Config(String),
    #[error("cluster storage: {0}")]
    Storage(String),
}

/// How a broker takes part in the cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub node_id: NodeId,
    /// Where clients reach this broker (a URL).
    pub client_address: String,
    /// Where Kafka clients reach this broker (HOST:PORT), when it serves them.
    pub kafka_address: Option<String>,
    /// Every voter's cluster address, this broker's included; with `join`, this broker's alone.
    pub peers: BTreeMap<NodeId, String>,
    /// A live broker's cluster address to join through (`serve --join`), instead of forming
    /// the cluster from `peers`.
    pub join: Option<String>,
    /// Once joined, become a voter too (`serve --join-as-voter`).
    pub join_as_voter: bool,
    pub heartbeat_interval_ms: u64,
    pub session_timeout_ms: u64,
    /// Where the Raft log, vote and snapshot are kept; `None` keeps them in memory.
    pub dir: Option<PathBuf>,
    /// The secret peers show each other on the cluster listener; `None` admits any caller.
    pub secret: Option<String>,
    /// Mutual TLS between brokers on the cluster listener; `None` is plain text.
    pub tls: Option<PeerTls>,
    /// The controller gives leaderships back to preferred replicas once they are in sync.
    pub auto_leader_rebalance: bool,
}

impl ClusterConfig {
    /// Checks the voter set: this broker is in it, ids and addresses are sane.
    pub fn validate(&self) -> Result<(), ClusterError> {
        if self.peers.is_empty() || self.peers.len() > MAX_VOTERS {
            return Err(ClusterError::Config(format!(
                "a cluster has between 1 and {MAX_VOTERS} voters, got {}",
                self.peers.len()
            )));
        }
        if self.join.is_some() && self.peers.len() != 1 {
            return Err(ClusterError::Config(
                "--join and --peers exclude each other: a joining broker learns the voters from the cluster".into(),
            ));
        }
        if !self.peers.contains_key(&self.node_id) {
            return Err(ClusterError::Config(format!(
                "--peers must name this broker's own id {}",
                self.node_id
            )));
        }
        let addresses: BTreeSet<&String> = self.peers.values().collect();
        if addresses.len() != self.peers.len() {
            return Err(ClusterError::Config(
                "two peers share one cluster address".into(),
            ));
        }
        PeerAuth::new(self.secret.as_deref()).map_err(ClusterError::Config)?;
        if self.heartbeat_interval_ms == 0 || self.session_timeout_ms <= self.heartbeat_interval_ms
        {
            return Err(ClusterError::Config(
                "the session timeout must be longer than the heartbeat interval (both > 0)".into(),
            ));
        }
        Ok(())
    }
}

/// Parses `--peers`: `ID=HOST:PORT` pairs separated by commas.
pub fn parse_peers(text: &str) -> Result<BTreeMap<NodeId, String>, String> {
    let mut peers = BTreeMap::new();
    for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (id, address) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?} is not ID=HOST:PORT"))?;
        let id: NodeId = id
            .trim()
            .parse()
            .map_err(|_| format!("{id:?} in {pair:?} is not a node id (a number)"))?;
        let address = address.trim();
        crate::wire::address::validate_address(address).map_err(|e| format!("{pair:?}: {e}"))?;
        if peers.insert(id, address.to_string()).is_some() {
            return Err(format!("node id {id} is named twice"));
        }
    }
    if peers.is_empty() {
        return Err("expected ID=HOST:PORT pairs, for example 1=127.0.0.1:50061".into());
    }
    Ok(peers)
}

/// A committed command: the metadata's answer and the command's index in the Raft log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Committed {
    pub response: MetaResponse,
    pub log_index: u64,
}

/// The answering broker's Raft view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftStatus {
    pub node_id: NodeId,
    pub term: u64,
    /// leader, follower, candidate or learner.
    pub role: &'static str,
    pub controller: Option<NodeId>,
    pub applied_index: u64,
}

/// One broker's membership in the cluster.
pub struct ClusterNode {
    config: ClusterConfig,
    raft: MetaRaft,
    view: MetadataView,
    /// What this broker shows peers, and checks they show it.
    auth: PeerAuth,
    tasks: Mutex<Vec<tokio::task::JoinHandle<()>>>,
    /// This process's registration epoch, once its registration is committed.
    registered: tokio::sync::watch::Sender<Option<u64>>,
    /// When the newest heartbeat (or registration) that the controller committed was sent.
    last_session_renewal: Mutex<Option<Instant>>,
}

impl ClusterNode {
    /// Opens the metadata log and state, starts Raft and forms the cluster from the voter set
    /// (every voter proposes the same membership; openraft accepts that as one).
    pub async fn start(config: ClusterConfig) -> Result<Arc<ClusterNode>, ClusterError> {
        config.validate()?;
        let (log, machine) = match config.dir.clone() {
            Some(dir) => tokio::task::spawn_blocking(move || {
                Ok::<_, std::io::Error>((LogStore::open(&dir)?, StateMachineStore::open(&dir)?))
            })
            .await
            .map_err(|e| ClusterError::Storage(e.to_string()))?
            .map_err(|e| ClusterError::Storage(e.to_string()))?,
            None => (LogStore::in_memory(), StateMachineStore::in_memory()),
        };
        let view = machine.view();
        let auth = PeerAuth::new(config.secret.as_deref())
            .map_err(ClusterError::Config)?
            .with_tls(config.tls.as_ref());
        let raft_config = Config {
            cluster_name: "flashq".into(),
            heartbeat_interval: RAFT_HEARTBEAT_MS,
            election_timeout_min: RAFT_ELECTION_TIMEOUT_MS.0,
            election_timeout_max: RAFT_ELECTION_TIMEOUT_MS.1,
            snapshot_policy: SnapshotPolicy::LogsSinceLast(SNAPSHOT_EVERY_ENTRIES),
            max_in_snapshot_log_to_keep: SNAPSHOT_EVERY_ENTRIES / 4,
            ..Config::default()
        }
        .validate()
        .map_err(|e| ClusterError::Config(e.to_string()))?;
        let raft = MetaRaft::new(
            config.node_id,
            Arc::new(raft_config),
            PeerNetworkFactory { auth: auth.clone() },
            log,
            machine,
        )
        .await
        .map_err(|e| ClusterError::Storage(e.to_string()))?;
        let members: BTreeMap<NodeId, MetaNode> = config
            .peers
            .iter()
            .map(|(id, addr)| (*id, MetaNode { addr: addr.clone() }))
            .collect();
        let initialized = raft
            .is_initialized()
            .await
            .map_err(|e| ClusterError::Storage(e.to_string()))?;
        if !initialized && config.join.is_none() {
            match raft.initialize(members).await {
                Ok(()) => {}
                Err(RaftError::APIError(InitializeError::NotAllowed(_))) => {}
                Err(e) => return Err(ClusterError::Config(e.to_string())),
            }
        }
        let node = Arc::new(ClusterNode {
            config,
            raft,
            view,
            auth,
            tasks: Mutex::new(Vec::new()),
            registered: tokio::sync::watch::channel(None).0,
            last_session_renewal: Mutex::new(None),
        });
        // A broker that has never been part of the cluster asks to be added; one with a Raft
        // log or vote already is a member (or was removed, and then must be added again by a
        // fresh start with an empty directory).
        if !initialized && let Some(seed) = node.config.join.clone() {
            node.join_through(&seed).await?;
            tracing::info!(seed, "joined the cluster as a learner");
        }
        Ok(node)
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    pub fn id(&self) -> NodeId {
        self.config.node_id
    }

    pub fn raft(&self) -> &MetaRaft {
        &self.raft
    }

    /// The metadata as applied on this broker.
    pub fn view(&self) -> &MetadataView {
        &self.view
    }

    /// The cluster secret, to show peers and to check on the cluster listener.
    pub fn peer_auth(&self) -> &PeerAuth {
        &self.auth
    }

    /// This broker's Raft view.
    pub fn status(&self) -> RaftStatus {
        let metrics = self.raft.metrics().borrow().clone();
        RaftStatus {
            node_id: self.config.node_id,
            term: metrics.current_term,
            role: match metrics.state {
                ServerState::Leader => "leader",
                ServerState::Follower => "follower",
                ServerState::Candidate => "candidate",
                ServerState::Learner => "learner",
                ServerState::Shutdown => "shutdown",
            },
            controller: metrics.current_leader,
            applied_index: metrics.last_applied.map_or(0, |id| id.index),
        }
    }

    /// Waits until this process's registration is applied on this broker: from then on the
    /// local metadata is at least as new as the start of this process.
    pub async fn wait_registered(&self) {
        let mut registered = self.registered.subscribe();
        let Ok(epoch) = registered
            .wait_for(Option::is_some)
            .await
            .map(|e| e.unwrap_or(0))
        else {
            return;
        };
        let mut version = self.view.subscribe();
        let me = self.config.node_id;
        loop {
            let current = self
                .view
                .with(|s| s.brokers.get(&me).map_or(0, |b| b.registration_epoch));
            if current >= epoch || version.changed().await.is_err() {
                return;
            }
        }
    }

    /// Whether this broker's session may have lapsed: no heartbeat it sent in the last session
    /// timeout, less one heartbeat interval, was committed. The controller fences a broker one
    /// whole session timeout after the controller stamped its last heartbeat, which is after it
    /// was sent, so a broker that stops leading when this turns true has stopped before another
    /// broker can be given its partitions (Kafka's brokers fence themselves the same way).
    pub fn session_lapsed(&self) -> bool {
        let lease = Duration::from_millis(
            self.config
                .session_timeout_ms
                .saturating_sub(self.config.heartbeat_interval_ms),
        );
        self.last_session_renewal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_none_or(|sent| sent.elapsed() >= lease)
    }

    fn renew_session(&self, sent: Instant) {
        let mut last = self
            .last_session_renewal
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if last.is_none_or(|previous| previous < sent) {
            *last = Some(sent);
        }
    }

    /// Commits `command` through the controller, wherever it is: locally when this broker is the
    /// controller, else forwarded over the cluster listener. Retries while no controller is
    /// known, for up to `timeout`.
    pub async fn propose(
        &self,
        command: MetaCommand,
        timeout: Duration,
    ) -> Result<MetaResponse, ClusterError> {
        Ok(self.propose_committed(command, timeout).await?.response)
    }

    /// Like [`ClusterNode::propose`], and returns once this broker has applied the command too,
    /// so what it reads next from its own metadata includes it (read-your-writes).
    pub async fn propose_applied(
        &self,
        command: MetaCommand,
        timeout: Duration,
    ) -> Result<MetaResponse, ClusterError> {
        let started = Instant::now();
        let committed = self.propose_committed(command, timeout).await?;
        let remaining = timeout.saturating_sub(started.elapsed());
        self.raft
            .wait(Some(remaining))
            .applied_index_at_least(Some(committed.log_index), "proposal applied here")
            .await
            .map_err(|e| {
                ClusterError::Unavailable(format!(
                    "committed, but not yet applied on this broker: {e}"
                ))
            })?;
        Ok(committed.response)
    }

    async fn propose_committed(
        &self,
        command: MetaCommand,
        timeout: Duration,
    ) -> Result<Committed, ClusterError> {
        let deadline = Instant::now() + timeout;
        let mut last_error = String::from("no controller elected yet");
        loop {
            let controller = self.raft.metrics().borrow().current_leader;
            let attempt = async {
                match controller {
                    Some(id) if id == self.config.node_id => {
                        self.propose_local(command.clone()).await
                    }
                    Some(id) => self.forward(id, &command).await,
                    None => Err(ClusterError::NotController(None)),
                }
            };
            // Each attempt has the deadline too: a controller that is paused or cut off keeps the
            // connection open without answering, and every later attempt must be able to go to
            // the controller elected meanwhile.
            let attempt = tokio::time::timeout_at(deadline.into(), attempt)
                .await
                .unwrap_or_else(|_| {
                    Err(ClusterError::Unavailable(format!(
                        "controller {controller:?} did not commit within {} ms",
                        timeout.as_millis()
                    )))
                });
            match attempt {
                Ok(committed) => return Ok(committed),
                Err(ClusterError::NotController(_)) => {}
                Err(ClusterError::Unavailable(reason)) => last_error = reason,
                Err(e) => return Err(e),
            }
            if Instant::now() >= deadline {
                return Err(ClusterError::Unavailable(last_error));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Commits `command` if this broker is the controller, stamping it with its clock.
    pub async fn propose_local(&self, command: MetaCommand) -> Result<Committed, ClusterError> {
        match self.raft.client_write(command.stamped(now_ms())).await {
            Ok(written) => Ok(Committed {
                response: written.data,
                log_index: written.log_id.index,
            }),
            Err(RaftError::APIError(ClientWriteError::ForwardToLeader(forward))) => {
                Err(ClusterError::NotController(forward.leader_id))
            }
            Err(e) => Err(ClusterError::Unavailable(e.to_string())),
        }
    }

    async fn forward(
        &self,
        controller: NodeId,
        command: &MetaCommand,
    ) -> Result<Committed, ClusterError> {
        let address = self
            .peer_address(controller)
            .ok_or(ClusterError::NotController(None))?;
        let mut client = peer_client(&address, &self.auth).map_err(ClusterError::Unavailable)?;
        let json = serde_json::to_vec(command).map_err(|e| ClusterError::Storage(e.to_string()))?;
        match client.propose(PeerPayload { json: json.into() }).await {
            Ok(answer) => serde_json::from_slice(&answer.into_inner().json).map_err(|e| {
                ClusterError::Unavailable(format!("the controller's answer does not parse: {e}"))
            }),
            Err(status) if status.code() == tonic::Code::FailedPrecondition => {
                Err(ClusterError::NotController(None))
            }
            Err(status) => Err(ClusterError::Unavailable(format!(
                "controller {controller}: {}",
                status.message()
            ))),
        }
    }

    /// Starts the background work: registration and heartbeats, and the controller's fencing.
    pub fn spawn_membership(self: &Arc<Self>) {
        let heartbeats = tokio::spawn(heartbeat_loop(Arc::downgrade(self)));
        let fencing = tokio::spawn(fencing_loop(Arc::downgrade(self)));
        let leaders = tokio::spawn(preferred_leader_loop(Arc::downgrade(self)));
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.extend([heartbeats, fencing, leaders]);
        if self.config.join_as_voter {
            tasks.push(tokio::spawn(promote_self(Arc::downgrade(self))));
        }
    }

    /// Stops the background work and Raft.
    pub async fn shutdown(&self) {
        for task in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            task.abort();
        }
        if let Err(e) = self.raft.shutdown().await {
            tracing::warn!(error = %e, "raft did not shut down cleanly");
        }
    }
}

/// Registers once per process start, then heartbeats every interval.
async fn heartbeat_loop(node: std::sync::Weak<ClusterNode>) {
    let mut registered = false;
    let mut removed = false;
    loop {
        let Some(this) = node.upgrade() else { return };
        let interval = Duration::from_millis(this.config.heartbeat_interval_ms);
        let id = this.config.node_id;
        let command = if registered {
            MetaCommand::Heartbeat { id, at_ms: 0 }
        } else {
            MetaCommand::RegisterBroker {
                id,
                address: this.config.client_address.clone(),
                cluster_address: this.config.peers.get(&id).cloned().unwrap_or_default(),
                kafka_address: this.config.kafka_address.clone(),
                at_ms: 0,
            }
        };
        let sent = Instant::now();
        // One interval per attempt: an attempt stuck on a paused or cut-off controller must give
        // way soon to one that reaches the controller elected meanwhile.
        let mut pause = interval;
        match this.propose(command, interval).await {
            Ok(MetaResponse::Registered { registration_epoch }) => {
                tracing::info!(
                    node_id = id,
                    registration_epoch,
                    "registered with the cluster"
                );
                this.renew_session(sent);
                this.registered.send_replace(Some(registration_epoch));
                registered = true;
            }
            Ok(MetaResponse::Applied | MetaResponse::ProducerIds { .. }) => {
                this.renew_session(sent);
                registered = true;
            }
            // Removed (`cluster remove-broker`): nothing to do but say so, now and then.
            Ok(MetaResponse::Rejected(reason))
                if this.view.with(|s| s.removed_brokers.contains(&id)) =>
            {
                if !removed {
                    tracing::error!(%reason, "this broker was removed from the cluster: stop it, or start it afresh with --join");
                }
                removed = true;
                registered = false;
                pause = Duration::from_millis(REMOVED_RETRY_MS);
            }
            // Unknown to the metadata (for example restored from an old snapshot): register again.
            Ok(MetaResponse::Rejected(reason)) => {
                tracing::warn!(%reason, "heartbeat refused; registering again");
                registered = false;
            }
            Err(e) => {
                tracing::debug!(error = %e, "heartbeat not committed");
                pause = Duration::from_millis(HEARTBEAT_RETRY_MS);
            }
        }
        drop(this);
        tokio::time::sleep(pause).await;
    }
}

/// `serve --join-as-voter`: asks the controller to make this broker a voter until it is one.
async fn promote_self(node: std::sync::Weak<ClusterNode>) {
    loop {
        let Some(this) = node.upgrade() else { return };
        let me = this.id();
        if this.quorum_role(me) == super::membership::QuorumRole::Voter {
            tracing::info!(node_id = me, "a voter of the metadata quorum");
            return;
        }
        let promote = super::membership::MembershipChange::Promote { id: me };
        let timeout = Duration::from_millis(PROPOSE_TIMEOUT_MS);
        if let Err(e) = this.change_membership(promote, timeout).await {
            tracing::info!(error = %e, "not a voter yet; asking again");
        }
        drop(this);
        tokio::time::sleep(Duration::from_millis(1_000)).await;
    }
}

/// While this broker is the controller, gives leaderships back to preferred replicas (the first
/// of each partition's list) that are live and in sync again, every
/// [`PREFERRED_LEADER_CHECK_MS`] (Kafka's `auto.leader.rebalance.enable`), unless
/// `serve --no-auto-leader-rebalance`.
async fn preferred_leader_loop(node: std::sync::Weak<ClusterNode>) {
    loop {
        tokio::time::sleep(Duration::from_millis(PREFERRED_LEADER_CHECK_MS)).await;
        let Some(this) = node.upgrade() else { return };
        let controller = this.raft.metrics().borrow().current_leader == Some(this.id());
        if !controller || !this.config.auto_leader_rebalance {
            continue;
        }
        let partitions = this.view.with(|s| s.preferred_leader_candidates());
        if partitions.is_empty() {
            continue;
        }
        tracing::info!(
            partitions = partitions.len(),
            "moving leaderships back to preferred replicas"
        );
        if let Err(e) = this
            .propose_local(MetaCommand::ElectPreferredLeaders { partitions })
            .await
        {
            tracing::debug!(error = %e, "preferred leader election not committed");
        }
    }
}

/// While this broker is the controller, fences brokers whose heartbeats stopped for longer than
/// the session timeout.
///
/// Silence is measured on this broker's monotonic clock from when it first saw a broker's count
/// of applied heartbeats where it is now, so a jump of any wall clock changes nothing. Every
/// broker keeps that count, controller or not: a broker sees a heartbeat applied after it was
/// sent, so a new controller's measure is never shorter than the silence the fenced broker
/// itself counts from its last committed heartbeat (it stops leading a heartbeat interval
/// before a session timeout), and a dead leader is replaced a session timeout after its last
/// heartbeat, not a session timeout after the election.
///
/// A controller fences only while a quorum answers it (openraft's `millis_since_quorum_ack`
/// within a heartbeat interval), and only [`FENCING_GRACE_HEARTBEATS`] intervals after it took
/// charge or got back in touch: the brokers could not heartbeat while no controller could
/// commit (an election, or this controller cut off), and a fence proposed by a cut-off
/// controller would be committed when the partition heals, fencing brokers that were fine.
async fn fencing_loop(node: std::sync::Weak<ClusterNode>) {
    let mut fencer = Fencer::default();
    loop {
        let Some(this) = node.upgrade() else { return };
        let interval = Duration::from_millis(this.config.heartbeat_interval_ms);
        let rules = FencingRules {
            session: Duration::from_millis(this.config.session_timeout_ms),
            grace: interval * FENCING_GRACE_HEARTBEATS,
        };
        // `None` unless this broker leads and a quorum has acknowledged it.
        let quorum_ack_ms = this.raft.metrics().borrow().millis_since_quorum_ack;
        let in_touch = quorum_ack_ms.is_some_and(|ms| ms <= this.config.heartbeat_interval_ms);
        let brokers: Vec<BrokerLiveness> = this.view.with(|state| {
            state
                .brokers
                .values()
                .map(|b| BrokerLiveness {
                    id: b.id,
                    fenced: b.fenced,
                    heartbeats: b.heartbeats,
                })
                .collect()
        });
        for id in fencer.brokers_to_fence(Instant::now(), in_touch, &brokers, &rules) {
            tracing::warn!(
                node_id = id,
                "no heartbeat within the session timeout: fencing"
            );
            if let Err(e) = this.propose_local(MetaCommand::FenceBroker { id }).await {
                tracing::debug!(error = %e, "fencing not committed");
            }
        }
        drop(this);
        tokio::time::sleep(interval).await;
    }
}

/// What the fencing loop reads of one broker in the applied metadata.
#[derive(Debug, Clone, Copy)]
struct BrokerLiveness {
    id: NodeId,
    fenced: bool,
    heartbeats: u64,
}

/// When a broker is silent enough to fence.
struct FencingRules {
    /// Silence past this fences.
    session: Duration,
    /// How long a controller must have been in charge before it fences anyone.
    grace: Duration,
}

/// The fencing decisions of one broker, controller or not: each broker's silence, and since
/// when this broker has been a controller in touch with a quorum.
#[derive(Default)]
struct Fencer {
    silence: HeartbeatSilence,
    in_charge_since: Option<Instant>,
}

impl Fencer {
    /// Observes `brokers` at `now` and returns those to fence: none unless this broker is the
    /// controller and in touch with a quorum (`in_touch`) for the rules' grace; then the unfenced
    /// brokers silent for a session timeout.
    fn brokers_to_fence(
        &mut self,
        now: Instant,
        in_touch: bool,
        brokers: &[BrokerLiveness],
        rules: &FencingRules,
    ) -> Vec<NodeId> {
        let quiet: Vec<(BrokerLiveness, Duration)> = brokers
            .iter()
            .map(|b| (*b, self.silence.observe(b.id, b.heartbeats, now)))
            .collect();
        if !in_touch {
            self.in_charge_since = None;
            return Vec::new();
        }
        let since = *self.in_charge_since.get_or_insert(now);
        if now.saturating_duration_since(since) < rules.grace {
            return Vec::new();
        }
        quiet
            .into_iter()
            .filter(|(b, quiet)| !b.fenced && *quiet >= rules.session)
            .map(|(b, _)| b.id)
            .collect()
    }
}

/// The controller's view of how long each broker's heartbeat count has stood still.
#[derive(Default)]
struct HeartbeatSilence {
    /// Per broker: the count last seen and when it was first seen at that value.
    seen: BTreeMap<NodeId, (u64, Instant)>,
}

impl HeartbeatSilence {
    /// Records `heartbeats` for broker `id` at `now`; how long the count has not moved.
    fn observe(&mut self, id: NodeId, heartbeats: u64, now: Instant) -> Duration {
        let entry = self.seen.entry(id).or_insert((heartbeats, now));
        if entry.0 != heartbeats {
            *entry = (heartbeats, now);
        }
        now.saturating_duration_since(entry.1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn silence_is_counted_from_the_last_change_of_the_heartbeat_count() {
        let mut silence = HeartbeatSilence::default();
        let start = Instant::now();
        let at = |ms| start + Duration::from_millis(ms);
        assert_eq!(silence.observe(1, 5, at(0)), Duration::ZERO);
        assert_eq!(silence.observe(1, 5, at(700)), Duration::from_millis(700));
        assert_eq!(silence.observe(1, 6, at(900)), Duration::ZERO);
        assert_eq!(
            silence.observe(1, 6, at(4_000)),
            Duration::from_millis(3_100)
        );
    }

    fn rules() -> FencingRules {
        FencingRules {
            session: Duration::from_millis(3_000),
            grace: Duration::from_millis(1_500),
        }
    }

    fn broker(id: NodeId, heartbeats: u64) -> BrokerLiveness {
        BrokerLiveness {
            id,
            fenced: false,
            heartbeats,
        }
    }

    /// A fencer driven on a clock of milliseconds from its start.
    struct FencerAt {
        fencer: Fencer,
        start: Instant,
    }

    impl FencerAt {
        fn new() -> Self {
            FencerAt {
                fencer: Fencer::default(),
                start: Instant::now(),
            }
        }

        fn at(&mut self, ms: u64, in_touch: bool, brokers: &[BrokerLiveness]) -> Vec<NodeId> {
            let now = self.start + Duration::from_millis(ms);
            self.fencer
                .brokers_to_fence(now, in_touch, brokers, &rules())
        }
    }

    #[test]
    fn a_new_controller_counts_the_silence_it_saw_as_a_follower() {
        let mut fencer = FencerAt::new();
        // A follower: broker 1 stops heartbeating at 0, broker 2 goes on.
        for ms in (0..=2_000).step_by(500) {
            assert!(
                fencer
                    .at(ms, false, &[broker(1, 7), broker(2, ms)])
                    .is_empty()
            );
        }
        // Elected at 2.5 s: the grace first, then broker 1 at once (silent 4 s by then), not a
        // whole session timeout after the election.
        let brokers = |ms| [broker(1, 7), broker(2, ms)];
        assert!(fencer.at(2_500, true, &brokers(2_500)).is_empty());
        assert!(fencer.at(3_500, true, &brokers(3_500)).is_empty());
        assert_eq!(fencer.at(4_000, true, &brokers(4_000)), vec![1]);
    }

    #[test]
    fn a_controller_out_of_touch_with_its_quorum_fences_no_one_and_has_a_grace_when_back() {
        let mut fencer = FencerAt::new();
        // In charge from 0; then cut off from 1 s to 6 s: nobody's heartbeat is committed.
        assert!(fencer.at(0, true, &[broker(1, 1)]).is_empty());
        for ms in (1_000..6_000).step_by(500) {
            assert!(fencer.at(ms, false, &[broker(1, 1)]).is_empty());
        }
        // Back in touch at 6 s: broker 1 has been silent 6 s, but it could not heartbeat; it
        // gets the grace, and its next heartbeat saves it.
        assert!(fencer.at(6_000, true, &[broker(1, 1)]).is_empty());
        assert!(fencer.at(7_000, true, &[broker(1, 2)]).is_empty());
        assert!(fencer.at(8_000, true, &[broker(1, 3)]).is_empty());
        // A broker that stays silent is fenced once the grace is over.
        let mut fencer = FencerAt::new();
        assert!(fencer.at(0, false, &[broker(1, 1)]).is_empty());
        assert!(fencer.at(6_000, true, &[broker(1, 1)]).is_empty());
        assert_eq!(fencer.at(7_500, true, &[broker(1, 1)]), vec![1]);
        // Fenced brokers are not fenced again.
        let fenced = BrokerLiveness {
            fenced: true,
            ..broker(1, 1)
        };
        assert!(fencer.at(8_000, true, &[fenced]).is_empty());
    }

    #[test]
    fn peers_parse_and_bad_peers_are_explained() {
        let peers = parse_peers("1=127.0.0.1:50061, 2=127.0.0.1:50062,3=host:1").unwrap();
        assert_eq!(peers.len(), 3);
        assert_eq!(peers[&2], "127.0.0.1:50062");
        for bad in ["", "1", "x=127.0.0.1:1", "1=a:1,1=b:2", "1=::bad::"] {
            assert!(parse_peers(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
