//! The nemesis suite of "Acknowledged means kept", built the way Jepsen's kafka and nats tests
//! are: a [`workload`] records a [`history`] of writes and deliveries against three real
//! `flashq serve` processes ([`brokers`], on loopback or each in its own network namespace:
//! [`net`]) while the nemesis injects [`faults`] on a seeded schedule; after healing, every
//! broker is stopped cleanly and its copy of every partition is read from its files, and the
//! [`checker`] names and counts what went wrong. Clock jumps go through libfaketime
//! ([`clock`]); an operator's changes to the cluster (partition moves, a broker joining and
//! leaving) go through the CLI ([`admin`]). The [`observer`] asks the brokers how the cluster
//! is doing on the way.
//!
//! [`run`] does one run and returns its [`RunReport`]; the tests in `tests/nemesis.rs` choose
//! what each run does and what it must not find.

pub mod admin;
pub mod brokers;
pub mod checker;
pub mod clock;
pub mod faults;
pub mod history;
pub mod net;
pub mod observer;
pub mod summary;
pub mod workload;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use brokers::{BrokerPlace, Brokers};
use checker::{Analysis, FinalLogs, PartitionLog};
use clock::ClockControl;
use faults::{FaultKind, FaultMilestone, Holds, Nemesis, SplitMix64, Timeline};
use history::{History, Recorder};
use net::Network;
use observer::Observer;
use workload::{Target, Workload};

/// The topic every run writes to.
pub const TOPIC: &str = "nemesis";
/// How many brokers found the cluster and hold the topic (RF=3).
pub const BROKERS: u64 = 3;
/// The id of the broker that joins the running cluster for a while
/// ([`faults::FaultKind::JoinAndRemoveBroker`]).
pub const JOINER: u64 = BROKERS + 1;
/// How many producers write at once.
const PRODUCERS: usize = 4;
/// How long a cluster may take to form, and to create and lead the topic.
pub const FORM_TIMEOUT: Duration = Duration::from_secs(60);
/// After the last fault: how long every broker may take to be live with every ISR full.
const HEAL_TIMEOUT: Duration = Duration::from_secs(60);
/// After healing: how long the consumer may take to reach every partition's end, and the
/// replicas to agree on every end.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(30);
/// The same, when the cluster did not heal: there is little hope, and the run is failing anyway.
const CATCH_UP_UNHEALED_TIMEOUT: Duration = Duration::from_secs(10);
/// Between polls of the cluster's state.
const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Writes go on this long after the cluster is whole again, to time the first one.
const WRITES_AFTER_HEALING: Duration = Duration::from_secs(1);
/// The environment variable that replays a run: the seed it printed.
pub const SEED_VAR: &str = "FLASHQ_NEMESIS_SEED";
/// Set: every run's dir is kept, not only a failing run's.
pub const KEEP_VAR: &str = "FLASHQ_NEMESIS_KEEP";

/// Where the brokers run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkMode {
    /// 127.0.0.1, fixed ports: process faults only; needs nothing.
    Loopback,
    /// A namespace per broker on a bridge: process and network faults; needs root, `ip` and
    /// `iptables`.
    Namespaces,
}

/// The brokers' liveness and replication timing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// tests/common/cluster.rs's test speed: 250 ms heartbeats, 1.5 s session timeout, 3 s lag.
    Fast,
    /// `flashq serve`'s defaults (3 s session timeout, 5 s lag).
    Default,
}

impl Timing {
    fn flags(self) -> &'static [&'static str] {
        match self {
            // A leader waits up to twice the lag limit for a batch to reach the ISR: 6 s, so a
            // batch appended just before a pause (3 to 5 s here) is still awaited when the
            // paused leader wakes, deposed. That is the moment a deposed leader must not
            // acknowledge it; a shorter wait would hide the question behind a timeout.
            Timing::Fast => &[
                "--heartbeat-interval-ms",
                "250",
                "--broker-session-timeout-ms",
                "1500",
                "--replica-lag-max-ms",
                "3000",
            ],
            Timing::Default => &[],
        }
    }

    fn session_timeout(self) -> Duration {
        match self {
            Timing::Fast => Duration::from_millis(1_500),
            Timing::Default => Duration::from_millis(3_000),
        }
    }
}

/// What one run does.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub name: String,
    pub network: NetworkMode,
    pub timing: Timing,
    pub partitions: u32,
    /// How long the faults go on (the schedule's tour may take longer).
    pub length: Duration,
    pub kinds: Vec<FaultKind>,
    /// Whether the schedule starts with every kind once, alone (see [`faults::schedule`]).
    pub tour: bool,
    /// Steps of two faults the schedule makes once each, after the tour.
    pub pairs: Vec<[FaultKind; 2]>,
    pub seed: u64,
}

/// The seed from [`SEED_VAR`] if set, else a fresh one.
pub fn seed() -> u64 {
    match std::env::var(SEED_VAR) {
        Ok(seed) => seed
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{SEED_VAR}={seed:?} is not a number")),
        Err(_) => fresh_seed(),
    }
}

fn fresh_seed() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static DRAWN: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut rng = SplitMix64::new(
        nanos ^ (u64::from(std::process::id()) << 32) ^ DRAWN.fetch_add(1, Ordering::Relaxed),
    );
    // Short enough to type.
    rng.next_u64() % 1_000_000_000
}

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.trim()
                .parse()
                .unwrap_or_else(|_| panic!("{name}={v:?} is not a number"))
        })
        .unwrap_or(default)
}

/// Whether namespace runs can happen here; prints `skipped: <why>` when not.
pub fn namespaces_available() -> bool {
    match net::preflight() {
        Ok(()) => true,
        Err(why) => {
            eprintln!("skipped: {why}");
            false
        }
    }
}

/// Whether clock jumps can happen here; prints `skipped: <why>` when not.
pub fn clock_jumps_available() -> bool {
    match clock::library() {
        Ok(_) => true,
        Err(why) => {
            eprintln!("skipped: {why}");
            false
        }
    }
}

/// What a run found, and what it did to find it.
pub struct RunReport {
    pub config: RunConfig,
    pub timeline: Timeline,
    pub analysis: Analysis,
    /// Per milestone: how long until the next acknowledged write.
    pub recovery: Vec<(FaultMilestone, Option<Duration>)>,
    /// Things that went wrong on the way that are not anomalies of the history (the cluster
    /// never healed, a broker did not stop cleanly, a log could not be read).
    pub notes: Vec<String>,
    /// An operator's changes that healing could not undo (a partition not moved back, a
    /// joined broker not removed, or not stopped cleanly once removed), and why.
    pub not_undone: Vec<String>,
    /// The run's data dirs and broker logs, kept when it was not safe.
    pub kept_dir: Option<PathBuf>,
}

impl RunReport {
    pub fn describe(&self) -> String {
        let c = &self.config;
        let kinds: Vec<&str> = c.kinds.iter().map(|k| k.name()).collect();
        let mut out = format!(
            "nemesis run {}: seed {} ({SEED_VAR}={} replays it), {:?} network, {:?} timing, {} partition(s), {} s of faults from [{}]\n",
            c.name,
            c.seed,
            c.seed,
            c.network,
            c.timing,
            c.partitions,
            c.length.as_secs(),
            kinds.join(", ")
        );
        if !c.pairs.is_empty() {
            let pairs: Vec<String> = c
                .pairs
                .iter()
                .map(|[a, b]| format!("{}+{}", a.name(), b.name()))
                .collect();
            let _ = writeln!(out, "pairs asked for: {}", pairs.join(", "));
        }
        out.push_str("timeline (began .. healed):\n");
        out.push_str(&self.timeline.describe());
        out.push_str("results:\n");
        out.push_str(&self.analysis.describe());
        out.push_str("first acknowledged write after:\n");
        for (fault, after) in &self.recovery {
            let label = &fault.milestone.label;
            let after = after.map_or("none before the end".to_string(), |d| {
                format!("{:.3} s", d.as_secs_f64())
            });
            let _ = writeln!(out, "  {label}: {after}");
        }
        for change in &self.not_undone {
            let _ = writeln!(out, "not undone: {change}");
        }
        for note in &self.notes {
            let _ = writeln!(out, "note: {note}");
        }
        if let Some(dir) = &self.kept_dir {
            let _ = writeln!(out, "data dirs and broker logs kept in {}", dir.display());
        }
        out
    }

    /// Fails the test unless nothing acknowledged was lost, no offset held two values and the
    /// replicas were identical.
    pub fn assert_safe(&self) {
        assert!(self.analysis.is_safe(), "{}", self.describe());
    }

    /// Fails the test unless each of `kinds` was carried out at least once (not every time
    /// it came up was `none: <why>`) and every one carried out was undone: a run whose
    /// operator's changes never happened would pass having tested nothing.
    pub fn assert_done(&self, kinds: &[FaultKind]) {
        for &kind in kinds {
            let done = self
                .timeline
                .faults
                .iter()
                .any(|f| f.kind == kind && !f.targets.starts_with("none:"));
            assert!(done, "{} was never done\n{}", kind.name(), self.describe());
        }
        assert!(
            self.not_undone.is_empty(),
            "a change was not undone\n{}",
            self.describe()
        );
    }
}

/// One run; `None` when it is a namespace run and this machine cannot make namespaces (it
/// printed `skipped: <why>`).
pub fn run(config: RunConfig) -> Option<RunReport> {
    assert!(
        config.network == NetworkMode::Namespaces
            || !config.kinds.iter().any(|k| k.needs_network()),
        "network faults need NetworkMode::Namespaces"
    );
    assert!(
        config.network == NetworkMode::Loopback || !config.kinds.iter().any(|k| k.needs_loopback()),
        "a broker joins only in NetworkMode::Loopback"
    );
    if config.kinds.iter().any(|k| k.needs_clock_control()) && !clock_jumps_available() {
        return None;
    }
    let report = match config.network {
        NetworkMode::Loopback => run_on(config, None),
        NetworkMode::Namespaces => {
            if !namespaces_available() {
                return None;
            }
            let network = Network::create(BROKERS);
            // The run's own thread moves into the hub; the caller's thread stays where it was.
            let outcome = std::thread::scope(|scope| {
                scope
                    .spawn(|| {
                        network.enter_hub();
                        run_on(config, Some(&network))
                    })
                    .join()
            });
            // Every broker process is gone (killed when the run's `Brokers` dropped) before
            // the namespaces go.
            drop(network);
            outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        }
    };
    eprintln!("{}", report.describe());
    Some(report)
}

fn run_on(config: RunConfig, network: Option<&Network>) -> RunReport {
    let temp = tempfile::Builder::new()
        .prefix("flashq-nemesis-")
        .tempdir()
        .expect("temp dir");
    let places = match network {
        None => loopback_places(),
        Some(network) => (1..=BROKERS)
            .map(|id| BrokerPlace {
                client_address: format!("{}:50051", network.broker_ip(id)),
                cluster_address: format!("{}:50061", network.broker_ip(id)),
                launcher: network.launcher(id),
            })
            .collect(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut brokers = Brokers::new(temp.path(), places, config.timing.flags());
    if config.kinds.iter().any(|k| k.needs_clock_control()) {
        let library = clock::library().expect("checked before the run");
        brokers.control_clocks(ClockControl::new(library, temp.path(), &brokers.ids()));
    }
    for id in brokers.ids() {
        brokers.start(id);
    }
    let observer = Observer {
        runtime: &runtime,
        partitions: config.partitions,
    };
    observer.create_topic(&brokers);

    let started = Instant::now();
    let recorder = Recorder::new(started);
    let target = Target {
        topic: TOPIC.to_string(),
        partitions: config.partitions,
        brokers: brokers.ids().iter().map(|&id| brokers.url(id)).collect(),
    };
    let mut workload = Workload::start(&runtime, &target, PRODUCERS, &recorder);
    let writing = poll(FORM_TIMEOUT, || {
        recorder
            .snapshot()
            .writes
            .iter()
            .any(|w| w.acknowledged_at().is_some())
    });
    assert!(writing, "no write was acknowledged before any fault");

    let mut rng = SplitMix64::new(config.seed);
    let holds = Holds {
        session_timeout: config.timing.session_timeout(),
    };
    let steps = faults::schedule(
        &mut rng,
        &config.kinds,
        config.tour,
        &config.pairs,
        config.length,
        holds,
    );
    let mut nemesis = Nemesis {
        brokers: &mut brokers,
        network,
        observer: &observer,
        rng,
        started,
        timeline: Timeline::default(),
        not_undone: Vec::new(),
        remarks: Vec::new(),
    };
    for step in &steps {
        std::thread::sleep(step.quiet);
        let active = nemesis.begin(&step.faults);
        std::thread::sleep(step.hold);
        nemesis.heal(active);
    }
    let timeline = nemesis.timeline;
    let mut not_undone = nemesis.not_undone;

    let mut notes = nemesis.remarks;
    notes.extend(settle(
        &mut brokers,
        network,
        &observer,
        &mut workload,
        &mut not_undone,
    ));
    let logs = read_final_logs(&brokers, config.partitions, &mut notes);
    drop(runtime);

    let history: History = recorder.snapshot();
    let analysis = checker::check(&history, &logs);
    let recovery = timeline
        .milestones()
        .into_iter()
        .map(|m| {
            let after = checker::first_ack_after(&history, &m.milestone);
            (m, after)
        })
        .collect();
    // FLASHQ_NEMESIS_KEEP=1 keeps every run's dir (brokers' logs, data), to read a slow one.
    let keep = !analysis.is_safe() || std::env::var_os(KEEP_VAR).is_some();
    let kept_dir = keep.then(|| temp.keep());
    RunReport {
        config,
        timeline,
        analysis,
        recovery,
        notes,
        not_undone,
        kept_dir,
    }
}

/// After the last fault: heals what is left (nothing, unless a step failed to: the network, a
/// paused or stopped founder, a joined broker not removed), waits for the whole cluster of
/// three, lets the producers write a moment longer and stops them, waits for the
/// consumer to catch up and stops it, waits for the replicas to agree, and stops every broker
/// cleanly so its files can be read. Returns what did not happen in time; a joined broker it
/// could not remove goes to `not_undone`.
fn settle(
    brokers: &mut Brokers,
    network: Option<&Network>,
    observer: &Observer,
    workload: &mut Workload,
    not_undone: &mut Vec<String>,
) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(network) = network {
        network.heal();
    }
    brokers.revive_all();
    match faults::remove_joiner(brokers, observer, 0) {
        Ok(None) => {}
        Ok(Some(odd)) => notes.push(format!("after the last fault: {odd}")),
        Err(why) => not_undone.push(format!("after the last fault: {why}")),
    }
    let healed = poll(HEAL_TIMEOUT, || {
        observer
            .view(brokers)
            .is_some_and(|v| observer.whole(&v) && observer.founders_only(&v))
    });
    let catch_up_timeout = if healed {
        CATCH_UP_TIMEOUT
    } else {
        CATCH_UP_UNHEALED_TIMEOUT
    };
    if !healed {
        notes.push(format!(
            "the cluster was not whole (the three founders live and alone, every partition on all three, every ISR full) within {HEAL_TIMEOUT:?} of the last heal: {:?}",
            observer.view(brokers).map(|v| (v.brokers, v.partitions))
        ));
    }
    std::thread::sleep(WRITES_AFTER_HEALING);
    workload.stop_producers(observer.runtime);
    if !poll(catch_up_timeout, || {
        observer.consumer_caught_up(brokers, workload)
    }) {
        notes.push(format!(
            "the consumer had not reached every partition's end within {catch_up_timeout:?}"
        ));
    }
    workload.stop_consumer(observer.runtime);
    if !poll(catch_up_timeout, || observer.replicas_agree(brokers)) {
        notes.push(format!(
            "the brokers did not agree on every partition's end within {catch_up_timeout:?}"
        ));
    }
    for (id, status) in brokers.stop_all() {
        notes.push(format!(
            "broker {id} did not stop cleanly on SIGTERM: {status:?}"
        ));
    }
    notes
}

/// Three brokers on 127.0.0.1, each on two ports free when the run starts.
fn loopback_places() -> Vec<BrokerPlace> {
    let listeners: Vec<std::net::TcpListener> = (0..BROKERS * 2)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("free port"))
        .collect();
    let ports: Vec<u16> = listeners
        .iter()
        .map(|l| l.local_addr().unwrap().port())
        .collect();
    ports
        .chunks(2)
        .map(|pair| BrokerPlace {
            client_address: format!("127.0.0.1:{}", pair[0]),
            cluster_address: format!("127.0.0.1:{}", pair[1]),
            launcher: Vec::new(),
        })
        .collect()
}

/// Polls `condition` every [`POLL_INTERVAL`] until it holds or `timeout` passes.
pub fn poll(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL_INTERVAL);
    }
}

/// Every broker's copy of every partition, read with `flashq inspect-log` from its (stopped)
/// data dir. A partition dir that does not exist is an empty copy.
fn read_final_logs(brokers: &Brokers, partitions: u32, notes: &mut Vec<String>) -> FinalLogs {
    let mut logs = FinalLogs::new();
    for id in brokers.ids() {
        let mut copies = BTreeMap::new();
        for partition in 0..partitions {
            let dir = brokers
                .data_dir(id)
                .join("topics")
                .join(TOPIC)
                .join(partition.to_string());
            copies.insert(partition, read_partition(&dir, notes));
        }
        logs.insert(id, copies);
    }
    logs
}

fn read_partition(dir: &Path, notes: &mut Vec<String>) -> PartitionLog {
    if !dir.exists() {
        return Vec::new();
    }
    let output = crate::common::flashq_cmd()
        .args(["inspect-log", "--records", "-o", "json"])
        .arg(dir)
        .output()
        .expect("run flashq inspect-log");
    if !output.status.success() || !output.stderr.is_empty() {
        notes.push(format!(
            "inspect-log {}: {}: {}",
            dir.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|r| Some((r["offset"].as_u64()?, r["value"].as_str()?.to_string())))
        .collect()
}
