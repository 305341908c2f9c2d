//! The nemesis: the faults a run injects, a schedule of them drawn from a seeded RNG, the
//! [`Nemesis`] that begins and heals them on the brokers and the network, and the timeline of
//! when each began and healed.
//!
//! A schedule is a list of steps, Jepsen's `start`/`stop` pairs: a quiet spell, then one or two
//! faults begun together, held for a few seconds, and healed together. It starts with a tour
//! (every fault kind the run allows once, alone, in a shuffled order, then one pair combined),
//! then the pairs the run asks for by name (see [`pairings`]), and goes on with random steps
//! while the run's time lasts. Targets (the leader, the
//! controller, a follower) are chosen when a fault begins, from the cluster as it is then, with
//! the same RNG, so a seed replays the same schedule; the exact interleaving with the workload
//! is of course up to timing.
//!
//! Besides crashes, pauses, cuts, clock steps and damage, an operator's changes to the cluster
//! are faults too ([`FaultKind::CLUSTER`]): a partition moved to fewer replicas and back, a
//! broker joining the metadata quorum and leaving it. They begin before, and heal after, the
//! other faults of their step, so a crash or pause strikes while the change is under way.

use std::time::{Duration, Instant};

use flashq::client::{ClusterMetadata, PartitionPlacement};

use super::admin::{AdminCommand, Carried};
use super::brokers::Brokers;
use super::checker::Milestone;
use super::net::{Grudge, Network, Node};
use super::observer::Observer;
use super::{BROKERS, JOINER, TOPIC, poll};

/// A small deterministic RNG (SplitMix64): good enough to draw schedules from, and every run's
/// seed replays it.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.next_u64() % bound
    }

    /// A duration in `low..=high`, to the millisecond.
    pub fn between(&mut self, low: Duration, high: Duration) -> Duration {
        let span = (high - low).as_millis() as u64;
        low + Duration::from_millis(self.below(span + 1))
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

/// One kind of fault. Process faults work on loopback; network faults need the brokers in
/// network namespaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// kill -9 a partition's leader; restarted on heal.
    KillLeader,
    /// kill -9 one of a partition's followers.
    KillFollower,
    /// kill -9 a partition's leader and one follower: the quorum is gone.
    KillMajority,
    /// kill -9 all three brokers.
    KillAll,
    /// SIGSTOP a partition's leader for longer than the session timeout; SIGCONT on heal.
    PauseLeader,
    /// SIGSTOP the Raft controller for longer than the session timeout.
    PauseController,
    /// Cut a partition's leader off from its peers and from the clients.
    IsolateLeader,
    /// Cut a partition's leader off from its peers; the clients still reach it.
    LeaderCutFromPeers,
    /// Cut one broker off from the other two (clients reach all): a minority and a majority.
    MajorityMinority,
    /// Two brokers cannot see each other; the third sees both (a bridge).
    Bridge,
    /// Step one broker's wall clock (the leader's, the controller's or any one's) minutes
    /// forward or back; stepped back to the true time on heal.
    ClockJump,
    /// kill -9 one broker (a leader or a follower) and flip one byte in the middle of one of its
    /// partition files (a closed or the active segment, an index, a time index, the
    /// leader-epoch histories); restarted on heal. Only while the cluster is whole, so the
    /// other two hold every acknowledged record: damage on one broker, not on two.
    DamageFile,
    /// `topic reassign` one partition to two of its three replicas, dropping its leader (a new
    /// leader epoch) or a follower; on heal, back to all three in a rotated order, so its
    /// preferred leader changes too and the controller hands the leadership over once that
    /// replica is in sync. The dropped replica keeps its copy on disk meanwhile: added back,
    /// it must truncate what the others never had and copy the rest.
    MoveReplicas,
    /// A fourth broker joins the running cluster (`serve --join --join-as-voter`, a fresh data
    /// dir each time): the metadata quorum grows from three voters to four through openraft's
    /// joint consensus; on heal `cluster remove-broker` takes it out again (it holds no replica)
    /// and it is stopped. Loopback only: the namespaces have room for three brokers.
    JoinAndRemoveBroker,
}

impl FaultKind {
    /// Faults on processes: kill -9 and SIGSTOP.
    pub const PROCESS: [FaultKind; 6] = [
        FaultKind::KillLeader,
        FaultKind::KillFollower,
        FaultKind::KillMajority,
        FaultKind::KillAll,
        FaultKind::PauseLeader,
        FaultKind::PauseController,
    ];
    /// Faults on the network between namespaces.
    pub const NETWORK: [FaultKind; 4] = [
        FaultKind::IsolateLeader,
        FaultKind::LeaderCutFromPeers,
        FaultKind::MajorityMinority,
        FaultKind::Bridge,
    ];

    /// Faults on a broker's wall clock: need libfaketime.
    pub const CLOCK: [FaultKind; 1] = [FaultKind::ClockJump];
    /// Faults on a broker's files.
    pub const DISK: [FaultKind; 1] = [FaultKind::DamageFile];
    /// An operator's changes to the running cluster: partition moves and membership.
    pub const CLUSTER: [FaultKind; 2] = [FaultKind::MoveReplicas, FaultKind::JoinAndRemoveBroker];
    /// Every kind, in the order of the groups above.
    pub fn all() -> impl Iterator<Item = FaultKind> {
        FaultKind::PROCESS
            .into_iter()
            .chain(FaultKind::NETWORK)
            .chain(FaultKind::CLOCK)
            .chain(FaultKind::DISK)
            .chain(FaultKind::CLUSTER)
    }

    pub fn name(self) -> &'static str {
        match self {
            FaultKind::KillLeader => "kill-leader",
            FaultKind::KillFollower => "kill-follower",
            FaultKind::KillMajority => "kill-majority",
            FaultKind::KillAll => "kill-all",
            FaultKind::PauseLeader => "pause-leader",
            FaultKind::PauseController => "pause-controller",
            FaultKind::IsolateLeader => "isolate-leader",
            FaultKind::LeaderCutFromPeers => "leader-cut-from-peers",
            FaultKind::MajorityMinority => "majority-minority",
            FaultKind::Bridge => "bridge",
            FaultKind::ClockJump => "clock-jump",
            FaultKind::DamageFile => "damage-file",
            FaultKind::MoveReplicas => "move-replicas",
            FaultKind::JoinAndRemoveBroker => "join-remove-broker",
        }
    }

    pub fn needs_network(self) -> bool {
        FaultKind::NETWORK.contains(&self)
    }

    pub fn needs_clock_control(self) -> bool {
        FaultKind::CLOCK.contains(&self)
    }

    /// Kinds that cannot run with the brokers in namespaces.
    pub fn needs_loopback(self) -> bool {
        self == FaultKind::JoinAndRemoveBroker
    }

    /// An operator's change: begun first and healed last in its step.
    fn is_cluster_change(self) -> bool {
        FaultKind::CLUSTER.contains(&self)
    }

    fn is_pause(self) -> bool {
        matches!(self, FaultKind::PauseLeader | FaultKind::PauseController)
    }
}

/// One step of a schedule: wait `quiet`, begin `faults` together, hold them for `hold`, heal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub quiet: Duration,
    pub faults: Vec<FaultKind>,
    pub hold: Duration,
}

/// How long faults last, from the cluster's session timeout.
#[derive(Debug, Clone, Copy)]
pub struct Holds {
    pub session_timeout: Duration,
}

impl Holds {
    /// Quiet spells between steps.
    const QUIET: (Duration, Duration) =
        (Duration::from_millis(1_000), Duration::from_millis(3_000));
    /// Kills and cuts.
    const FAULT: (Duration, Duration) =
        (Duration::from_millis(2_500), Duration::from_millis(5_000));

    /// A pause must outlast the session timeout, so the paused broker is fenced and wakes up
    /// into a cluster that has moved on.
    fn pause(self) -> (Duration, Duration) {
        (
            self.session_timeout * 2,
            self.session_timeout * 2 + Duration::from_secs(2),
        )
    }

    fn hold_for(self, rng: &mut SplitMix64, faults: &[FaultKind]) -> Duration {
        let (low, high) = if faults.iter().any(|f| f.is_pause()) {
            self.pause()
        } else {
            Self::FAULT
        };
        rng.between(low, high)
    }
}

/// The steps of a run of about `length`: with `tour`, first every kind of `kinds` alone and
/// then one pair; then each of `pairs` once, in a shuffled order (however long all that
/// takes); then random steps (a third of them two faults at once) while time is left.
pub fn schedule(
    rng: &mut SplitMix64,
    kinds: &[FaultKind],
    tour: bool,
    pairs: &[[FaultKind; 2]],
    length: Duration,
    holds: Holds,
) -> Vec<Step> {
    assert!(!kinds.is_empty(), "a schedule needs fault kinds");
    let mut tour: Vec<Vec<FaultKind>> = if tour {
        kinds.iter().map(|&k| vec![k]).collect()
    } else {
        Vec::new()
    };
    rng.shuffle(&mut tour);
    if !tour.is_empty() && kinds.len() > 1 {
        tour.push(two_kinds(rng, kinds));
    }
    let mut asked: Vec<Vec<FaultKind>> = pairs.iter().map(|pair| pair.to_vec()).collect();
    rng.shuffle(&mut asked);
    tour.extend(asked);
    let mut steps = Vec::new();
    let mut planned = Duration::ZERO;
    let step_of = |rng: &mut SplitMix64, faults: Vec<FaultKind>| {
        let quiet = rng.between(Holds::QUIET.0, Holds::QUIET.1);
        let hold = holds.hold_for(rng, &faults);
        Step {
            quiet,
            faults,
            hold,
        }
    };
    for faults in tour {
        let step = step_of(rng, faults);
        planned += step.quiet + step.hold;
        steps.push(step);
    }
    loop {
        let faults = if kinds.len() > 1 && rng.chance(33) {
            two_kinds(rng, kinds)
        } else {
            vec![rng.pick(kinds)]
        };
        let step = step_of(rng, faults);
        if planned + step.quiet + step.hold > length {
            return steps;
        }
        planned += step.quiet + step.hold;
        steps.push(step);
    }
}

/// Every kind of `firsts` with every kind of `seconds`: pairs a random schedule would make only
/// now and then (a move while the leader dies, a broker joining while the controller stalls).
pub fn pairings(firsts: &[FaultKind], seconds: &[FaultKind]) -> Vec<[FaultKind; 2]> {
    firsts
        .iter()
        .flat_map(|&first| seconds.iter().map(move |&second| [first, second]))
        .collect()
}

fn two_kinds(rng: &mut SplitMix64, kinds: &[FaultKind]) -> Vec<FaultKind> {
    let first = rng.pick(kinds);
    let others: Vec<FaultKind> = kinds.iter().copied().filter(|&k| k != first).collect();
    vec![first, rng.pick(&others)]
}

/// One fault as it happened: what, on whom, when it began and healed (since the run started).
#[derive(Debug, Clone)]
pub struct FaultRecord {
    pub kind: FaultKind,
    /// Who it was done to, e.g. "n2" or "n1|n2,n3".
    pub targets: String,
    /// The partitions whose leader the fault took away (killed, paused or cut off), if any.
    pub leader_lost_for: Vec<u32>,
    pub began_at: Duration,
    pub healed_at: Option<Duration>,
    /// Whether it was its step's only fault (its recovery times are then its own).
    pub alone: bool,
}

/// What a [`FaultMilestone`] marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultEvent {
    /// The fault took the leader of some partitions away: writes to them wait for a new one.
    LeaderLost,
    /// The fault healed.
    Healed,
}

/// A milestone of one fault: which, what happened, and whether the fault was alone.
#[derive(Debug, Clone)]
pub struct FaultMilestone {
    pub kind: FaultKind,
    pub event: FaultEvent,
    pub alone: bool,
    pub milestone: Milestone,
}

/// Every fault of a run, in the order they began.
#[derive(Debug, Clone, Default)]
pub struct Timeline {
    pub faults: Vec<FaultRecord>,
}

impl Timeline {
    /// The moments after which writes should be acknowledged again: each heal, and each loss of
    /// a leader (for the partitions it led).
    pub fn milestones(&self) -> Vec<FaultMilestone> {
        let mut milestones = Vec::new();
        for f in &self.faults {
            let name = format!("{} {}", f.kind.name(), f.targets);
            let of = |event, milestone| FaultMilestone {
                kind: f.kind,
                event,
                alone: f.alone,
                milestone,
            };
            if !f.leader_lost_for.is_empty() {
                milestones.push(of(
                    FaultEvent::LeaderLost,
                    Milestone {
                        label: format!("{name}: leader lost at {}", seconds(f.began_at)),
                        at: f.began_at,
                        partitions: Some(f.leader_lost_for.clone()),
                    },
                ));
            }
            if let Some(healed) = f.healed_at {
                milestones.push(of(
                    FaultEvent::Healed,
                    Milestone {
                        label: format!("{name}: healed at {}", seconds(healed)),
                        at: healed,
                        partitions: None,
                    },
                ));
            }
        }
        milestones
    }

    pub fn describe(&self) -> String {
        let mut out = String::new();
        for f in &self.faults {
            let healed = f.healed_at.map_or("never".to_string(), seconds);
            let led = if f.leader_lost_for.is_empty() {
                String::new()
            } else {
                format!(" (leader of partitions {:?})", f.leader_lost_for)
            };
            out.push_str(&format!(
                "  {:>8} .. {:>8}  {} {}{led}\n",
                seconds(f.began_at),
                healed,
                f.kind.name(),
                f.targets
            ));
        }
        out
    }
}

/// `t+12.345s`.
pub fn seconds(at: Duration) -> String {
    format!("t+{:.3}s", at.as_secs_f64())
}

/// How long an operator's change may take to be accepted (a move started, a broker removed),
/// retried on every answering broker: a cluster just healed may need a while for a controller.
const CHANGE_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a joined broker may take to become a voter.
const VOTER_TIMEOUT: Duration = Duration::from_secs(20);

/// Takes the joined broker, if one runs, out of the cluster (`cluster remove-broker`, retried
/// on every answering founder) and stops it; `Err` says what went wrong, `Ok` may say what
/// was odd on the way. One that was not removed keeps running: stopping it would leave a voter
/// of the quorum down for good.
pub fn remove_joiner(
    brokers: &mut Brokers,
    observer: &Observer,
    first: u64,
) -> Result<Option<String>, String> {
    let Some(id) = brokers.joiner() else {
        return Ok(None);
    };
    // `remove-broker` is not idempotent: once an attempt that failed went through after all, a
    // retry answers that the broker is not in the cluster (exit 6). The metadata forgets a
    // broker only after it left the quorum, so the freshest metadata without it means removed.
    let gone_already = |failure: &str| {
        failure.contains(&format!("broker {id} is not in the cluster"))
            && observer
                .view(brokers)
                .is_some_and(|v| v.brokers.iter().all(|b| b.id != id))
    };
    let carried = AdminCommand::remove_broker(id)
        .run(brokers, first, CHANGE_TIMEOUT, gone_already)
        .map_err(|why| format!("n{id} was not removed within {CHANGE_TIMEOUT:?}: {why}"))?;
    brokers
        .stop_joiner()
        .map_err(|status| format!("n{id}, removed, did not stop cleanly on SIGTERM: {status:?}"))?;
    Ok(match carried {
        Carried::By(_) => None,
        Carried::Already(failures) => Some(format!(
            "n{id} removed, though remove-broker failed first and then found it gone: {failures}"
        )),
    })
}

/// Partition `partition` of the run's topic, as `view` has it.
fn placement(view: &ClusterMetadata, partition: u32) -> Option<&PartitionPlacement> {
    view.partitions
        .iter()
        .find(|p| p.topic == TOPIC && p.partition == partition)
}

/// Whether broker `id` is a voter of the metadata quorum, as `view` has it.
fn votes(view: &ClusterMetadata, id: u64) -> bool {
    view.brokers
        .iter()
        .any(|b| b.id == id && matches!(b.role.as_str(), "voter" | "controller"))
}

/// "1,2,3".
fn ids(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}

/// Flips one byte in the middle of a file drawn from broker data dir `data_dir`'s partition
/// files of the run's topic and its leader-epoch histories; says which file and byte.
fn damage_one_file(rng: &mut SplitMix64, data_dir: &std::path::Path) -> String {
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    let topic_dir = data_dir.join("topics").join(TOPIC);
    for partition in std::fs::read_dir(&topic_dir)
        .into_iter()
        .flatten()
        .flatten()
    {
        for file in std::fs::read_dir(partition.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            let kind = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            if matches!(kind, "log" | "index" | "timeindex") {
                files.push(path);
            }
        }
    }
    files.push(data_dir.join("cluster").join("leader-epochs.json"));
    files.retain(|f| std::fs::metadata(f).is_ok_and(|m| m.len() >= 16));
    files.sort();
    if files.is_empty() {
        return "(no file to damage)".to_string();
    }
    let file = files[rng.below(files.len() as u64) as usize].clone();
    let mut bytes = std::fs::read(&file).expect("read a file to damage");
    // The middle half: past any header, short of a torn end.
    let quarter = bytes.len() as u64 / 4;
    let at = (quarter + rng.below(2 * quarter)) as usize;
    bytes[at] ^= 0x20;
    std::fs::write(&file, &bytes).expect("write the damaged file");
    let shown = file.strip_prefix(data_dir).unwrap_or(&file);
    format!("{} byte {at}", shown.display())
}

/// How far a clock jump steps a broker's wall clock, either way: past every timeout the
/// brokers have (seconds) and short of the retention times (days), like an NTP step or an
/// operator's mistake.
const CLOCK_JUMP: (Duration, Duration) = (Duration::from_secs(30), Duration::from_secs(900));

/// Applies and heals the faults of a schedule's steps, keeping the timeline.
pub struct Nemesis<'a> {
    pub brokers: &'a mut Brokers,
    /// The namespaces, for network faults.
    pub network: Option<&'a Network>,
    pub observer: &'a Observer<'a>,
    /// Draws targets; the one the schedule was drawn from, so a seed replays both.
    pub rng: SplitMix64,
    /// When the run started: the timeline's zero.
    pub started: Instant,
    pub timeline: Timeline,
    /// An operator's changes that healing could not undo, and why.
    pub not_undone: Vec<String>,
    /// What was odd about undoing them, though they were undone.
    pub remarks: Vec<String>,
}

/// What a step did, to undo on heal.
#[derive(Default)]
pub struct ActiveStep {
    /// Indexes into the timeline.
    records: Vec<usize>,
    killed: Vec<u64>,
    paused: Vec<u64>,
    cut: bool,
    /// Brokers whose clocks were stepped.
    clocks: Vec<u64>,
    /// Partitions moved to fewer replicas, each with the replica list it moves back to.
    moved: Vec<(u32, Vec<u64>)>,
    /// The broker that joined.
    joined: Option<u64>,
}

/// What beginning one fault did, for the timeline.
struct Begun {
    /// Who it was done to, e.g. "n2"; "none: <why>" when it could not be done.
    targets: String,
    /// The brokers it took away from the others (killed, paused or cut off).
    victims: Vec<u64>,
    /// The partitions whose leader it moved away without taking a broker away.
    leaders_moved: Vec<u32>,
}

impl Begun {
    fn of(targets: String, victims: Vec<u64>) -> Begun {
        Begun {
            targets,
            victims,
            leaders_moved: Vec::new(),
        }
    }
}

impl Nemesis<'_> {
    /// Begins the faults of one step together: an operator's changes first, so the others
    /// strike while they are under way.
    pub fn begin(&mut self, kinds: &[FaultKind]) -> ActiveStep {
        let mut active = ActiveStep::default();
        let mut ordered = kinds.to_vec();
        ordered.sort_by_key(|k| !k.is_cluster_change());
        for kind in ordered {
            let view = self.observer.view(self.brokers);
            let begun = self.apply(kind, view.as_ref(), &mut active);
            let leader_lost_for = view.map_or_else(Vec::new, |v| {
                v.partitions
                    .iter()
                    .filter(|p| p.topic == TOPIC)
                    .filter(|p| {
                        p.leader.is_some_and(|l| begun.victims.contains(&l))
                            || begun.leaders_moved.contains(&p.partition)
                    })
                    .map(|p| p.partition)
                    .collect()
            });
            active.records.push(self.timeline.faults.len());
            self.timeline.faults.push(FaultRecord {
                kind,
                targets: begun.targets,
                leader_lost_for,
                began_at: self.started.elapsed(),
                healed_at: None,
                alone: kinds.len() == 1,
            });
        }
        active
    }

    /// Does `kind`; returns what it did, for the timeline.
    fn apply(
        &mut self,
        kind: FaultKind,
        view: Option<&ClusterMetadata>,
        active: &mut ActiveStep,
    ) -> Begun {
        let leader = self.leader(view);
        let others = |of: u64| -> Vec<u64> { (1..=BROKERS).filter(|&b| b != of).collect() };
        let name = |ids: &[u64]| -> String {
            ids.iter()
                .map(|id| format!("n{id}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        match kind {
            FaultKind::KillLeader
            | FaultKind::KillFollower
            | FaultKind::KillMajority
            | FaultKind::KillAll => {
                let follower = self.rng.pick(&others(leader));
                let victims = match kind {
                    FaultKind::KillLeader => vec![leader],
                    FaultKind::KillFollower => vec![follower],
                    FaultKind::KillMajority => vec![leader, follower],
                    _ => (1..=BROKERS).collect(),
                };
                for &id in &victims {
                    if self.brokers.kill(id) {
                        active.killed.push(id);
                    }
                }
                Begun::of(name(&victims), victims)
            }
            FaultKind::PauseLeader | FaultKind::PauseController => {
                let victim = match (kind, view.and_then(|v| v.controller)) {
                    (FaultKind::PauseController, Some(controller)) => controller,
                    (FaultKind::PauseController, None) => self.rng.pick(&[1, 2, 3]),
                    _ => leader,
                };
                if self.brokers.pause(victim) {
                    active.paused.push(victim);
                }
                Begun::of(name(&[victim]), vec![victim])
            }
            FaultKind::ClockJump => {
                let controller = view.and_then(|v| v.controller).unwrap_or(leader);
                let any = self.rng.pick(&[1, 2, 3]);
                let victim = self.rng.pick(&[leader, controller, any]);
                let magnitude = self.rng.between(CLOCK_JUMP.0, CLOCK_JUMP.1).as_secs() as i64;
                let seconds = if self.rng.chance(50) {
                    magnitude
                } else {
                    -magnitude
                };
                assert!(
                    self.brokers.shift_clock(victim, seconds),
                    "clock jumps need the brokers started under libfaketime"
                );
                active.clocks.push(victim);
                // The broker stays reachable: it takes no leader away.
                Begun::of(format!("n{victim} {seconds:+} s"), Vec::new())
            }
            FaultKind::DamageFile => {
                let whole = view.is_some_and(|v| self.observer.whole(v));
                let victim = if self.rng.chance(50) {
                    leader
                } else {
                    self.rng.pick(&others(leader))
                };
                if !whole {
                    return Begun::of(
                        format!("none: the cluster is not whole (n{victim} spared)"),
                        Vec::new(),
                    );
                }
                if self.brokers.kill(victim) {
                    active.killed.push(victim);
                }
                let damaged = damage_one_file(&mut self.rng, self.brokers.data_dir(victim));
                Begun::of(format!("n{victim} {damaged}"), vec![victim])
            }
            FaultKind::MoveReplicas => self.move_replicas(view, active),
            FaultKind::JoinAndRemoveBroker => self.join_broker(view, active),
            FaultKind::IsolateLeader
            | FaultKind::LeaderCutFromPeers
            | FaultKind::MajorityMinority
            | FaultKind::Bridge => {
                let network = self
                    .network
                    .unwrap_or_else(|| panic!("{} needs the namespace network", kind.name()));
                let minority = match kind {
                    FaultKind::MajorityMinority | FaultKind::Bridge => self.rng.pick(&[1, 2, 3]),
                    _ => leader,
                };
                let rest = others(minority);
                let mut grudge: Grudge = rest
                    .iter()
                    .map(|&peer| (Node::Broker(minority), Node::Broker(peer)))
                    .collect();
                let (targets, victims) = match kind {
                    FaultKind::IsolateLeader => {
                        grudge.push((Node::Broker(minority), Node::Clients));
                        (
                            format!("n{minority} | {},clients", name(&rest)),
                            vec![minority],
                        )
                    }
                    FaultKind::Bridge => {
                        // The bridge sees both; the two others do not see each other.
                        grudge = vec![(Node::Broker(rest[0]), Node::Broker(rest[1]))];
                        (
                            format!("n{} | n{} (n{minority} sees both)", rest[0], rest[1]),
                            Vec::new(),
                        )
                    }
                    _ => (format!("n{minority} | {}", name(&rest)), vec![minority]),
                };
                network.cut(&grudge);
                active.cut = true;
                Begun::of(targets, victims)
            }
        }
    }

    /// The leader of a partition drawn at random, as `view` has it; a random broker when no
    /// view or no leader is known.
    fn leader(&mut self, view: Option<&ClusterMetadata>) -> u64 {
        let partition = self.rng.below(u64::from(self.observer.partitions)) as u32;
        let fallback = self.rng.pick(&[1, 2, 3]);
        view.and_then(|v| {
            v.partitions
                .iter()
                .find(|p| p.topic == TOPIC && p.partition == partition)
                .and_then(|p| p.leader)
        })
        .unwrap_or(fallback)
    }

    /// Moves one partition to two of its three replicas (see [`FaultKind::MoveReplicas`]).
    fn move_replicas(&mut self, view: Option<&ClusterMetadata>, active: &mut ActiveStep) -> Begun {
        // Every draw first, whatever the cluster looks like: a seed replays the same draws.
        let partition = self.rng.below(u64::from(self.observer.partitions)) as u32;
        let drop_leader = self.rng.chance(50);
        let follower = self.rng.below(BROKERS) as usize;
        let rotation = 1 + self.rng.below(BROKERS - 1) as usize;
        let first = self.rng.next_u64();
        let Some(placement) = view.and_then(|v| placement(v, partition)) else {
            return Begun::of(
                format!("none: no broker described partition {partition}"),
                Vec::new(),
            );
        };
        // Where it is, or where a move still under way (a heal's) takes it.
        let replicas = if placement.moving() {
            placement.target_replicas.clone()
        } else {
            placement.replicas.clone()
        };
        if replicas.len() != BROKERS as usize {
            return Begun::of(
                format!("none: partition {partition} is on {}", ids(&replicas)),
                Vec::new(),
            );
        }
        let leader = placement.leader.filter(|l| replicas.contains(l));
        let followers: Vec<u64> = replicas
            .iter()
            .copied()
            .filter(|&r| Some(r) != leader)
            .collect();
        let dropped = match leader {
            Some(leader) if drop_leader => leader,
            _ => followers[follower % followers.len()],
        };
        let kept: Vec<u64> = replicas.iter().copied().filter(|&r| r != dropped).collect();
        // Rotated, so the preferred leader (the first) changes as well.
        let mut back = replicas.clone();
        back.rotate_left(rotation);
        let role = if Some(dropped) == leader {
            "the leader"
        } else {
            "a follower"
        };
        let shown = format!(
            "p{partition} [{}] -> [{}] (n{dropped}, {role}, leaves), back to [{}]",
            ids(&replicas),
            ids(&kept),
            ids(&back)
        );
        match AdminCommand::reassign(TOPIC, partition, &kept).run(
            self.brokers,
            first,
            CHANGE_TIMEOUT,
            |_| false,
        ) {
            Ok(_) => {
                active.moved.push((partition, back));
                Begun {
                    targets: shown,
                    victims: Vec::new(),
                    leaders_moved: if Some(dropped) == leader {
                        vec![partition]
                    } else {
                        Vec::new()
                    },
                }
            }
            Err(why) => Begun::of(format!("none: {shown} not accepted: {why}"), Vec::new()),
        }
    }

    /// A fourth broker joins the cluster as a voter (see [`FaultKind::JoinAndRemoveBroker`]);
    /// returns once it votes (or [`VOTER_TIMEOUT`] passed), so the step holds a quorum of four.
    fn join_broker(&mut self, view: Option<&ClusterMetadata>, active: &mut ActiveStep) -> Begun {
        let seed_pick = self.rng.next_u64();
        if let Some(id) = self.brokers.joiner() {
            return Begun::of(format!("none: n{id} is still in the cluster"), Vec::new());
        }
        let answering: Vec<u64> = self
            .brokers
            .ids()
            .into_iter()
            .filter(|&id| self.brokers.is_answering(id))
            .collect();
        if answering.is_empty() {
            return Begun::of(
                "none: no broker answers to join through".to_string(),
                Vec::new(),
            );
        }
        let seed = answering[(seed_pick % answering.len() as u64) as usize];
        // The cluster address the cluster advertises, as an operator reads it off
        // `cluster brokers`.
        let address = view
            .and_then(|v| v.brokers.iter().find(|b| b.id == seed))
            .map_or_else(
                || self.brokers.cluster_address(seed).to_string(),
                |b| b.cluster_address.clone(),
            );
        let began = Instant::now();
        if let Err(why) = self.brokers.join(JOINER, &address) {
            return Begun::of(
                format!("none: n{JOINER} did not join through n{seed}: {why}"),
                Vec::new(),
            );
        }
        active.joined = Some(JOINER);
        let voter = poll(VOTER_TIMEOUT, || {
            self.observer
                .view(self.brokers)
                .is_some_and(|v| votes(&v, JOINER))
        });
        let state = if voter {
            format!("a voter after {:.1} s", began.elapsed().as_secs_f64())
        } else {
            format!("not a voter within {VOTER_TIMEOUT:?}")
        };
        Begun::of(format!("n{JOINER} via n{seed}, {state}"), Vec::new())
    }

    /// Undoes a step: the network first, then paused brokers go on, then killed ones restart;
    /// last, an operator's changes are undone (partitions moved back, the joined broker
    /// removed), on a cluster whole again.
    pub fn heal(&mut self, active: ActiveStep) {
        if active.cut
            && let Some(network) = self.network
        {
            network.heal();
        }
        for id in active.clocks {
            self.brokers.shift_clock(id, 0);
        }
        for id in active.paused {
            self.brokers.resume(id);
        }
        for id in active.killed {
            if !self.brokers.is_running(id) {
                self.brokers.start(id);
            }
        }
        for (partition, back) in active.moved {
            let first = self.rng.next_u64();
            if let Err(why) = AdminCommand::reassign(TOPIC, partition, &back).run(
                self.brokers,
                first,
                CHANGE_TIMEOUT,
                |_| false,
            ) {
                self.not_undone.push(format!(
                    "partition {partition} was not moved back to {back:?} within {CHANGE_TIMEOUT:?}: {why}"
                ));
            }
        }
        if active.joined.is_some() {
            let first = self.rng.next_u64();
            match remove_joiner(self.brokers, self.observer, first) {
                Ok(None) => {}
                Ok(Some(odd)) => self.remarks.push(odd),
                Err(why) => self.not_undone.push(why),
            }
        }
        let healed_at = self.started.elapsed();
        for index in active.records {
            self.timeline.faults[index].healed_at = Some(healed_at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holds() -> Holds {
        Holds {
            session_timeout: Duration::from_millis(1500),
        }
    }

    #[test]
    fn a_seed_replays_the_same_schedule() {
        let draw = |seed| {
            schedule(
                &mut SplitMix64::new(seed),
                &FaultKind::PROCESS,
                true,
                &[],
                Duration::from_secs(60),
                holds(),
            )
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn the_tour_has_every_kind_alone_then_a_pair() {
        let steps = schedule(
            &mut SplitMix64::new(1),
            &FaultKind::NETWORK,
            true,
            &[],
            Duration::ZERO,
            holds(),
        );
        assert_eq!(steps.len(), FaultKind::NETWORK.len() + 1);
        for kind in FaultKind::NETWORK {
            assert!(steps.iter().any(|s| s.faults == vec![kind]), "{kind:?}");
        }
        let pair = &steps.last().unwrap().faults;
        assert_eq!(pair.len(), 2);
        assert_ne!(pair[0], pair[1]);
    }

    #[test]
    fn the_pairs_asked_for_come_after_the_tour_each_once() {
        let pairs = pairings(
            &FaultKind::CLUSTER,
            &[FaultKind::KillLeader, FaultKind::PauseLeader],
        );
        assert_eq!(pairs.len(), 4);
        let steps = schedule(
            &mut SplitMix64::new(5),
            &FaultKind::CLUSTER,
            true,
            &pairs,
            Duration::ZERO,
            holds(),
        );
        // Two kinds alone, the tour's pair, then the four asked for.
        assert_eq!(steps.len(), 2 + 1 + 4);
        for pair in &pairs {
            let found = steps[3..]
                .iter()
                .filter(|s| s.faults == pair.to_vec())
                .count();
            assert_eq!(found, 1, "{pair:?}");
        }
    }

    #[test]
    fn pauses_outlast_the_session_timeout() {
        let steps = schedule(
            &mut SplitMix64::new(3),
            &[FaultKind::PauseLeader, FaultKind::PauseController],
            false,
            &[],
            Duration::from_secs(120),
            holds(),
        );
        assert!(steps.iter().all(|s| s.hold >= Duration::from_millis(3000)));
        let planned: Duration = steps.iter().map(|s| s.quiet + s.hold).sum();
        assert!(planned <= Duration::from_secs(120), "{planned:?}");
    }
}
