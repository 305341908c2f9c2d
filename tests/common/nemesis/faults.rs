//! The nemesis: the faults a run injects, a schedule of them drawn from a seeded RNG, the
//! [`Nemesis`] that begins and heals them on the brokers and the network, and the timeline of
//! when each began and healed.
//!
//! A schedule is a list of steps, Jepsen's `start`/`stop` pairs: a quiet spell, then one or two
//! faults begun together, held for a few seconds, and healed together. It starts with a tour
//! (every fault kind the run allows once, alone, in a shuffled order, then one pair combined)
//! and goes on with random steps while the run's time lasts. Targets (the leader, the
//! controller, a follower) are chosen when a fault begins, from the cluster as it is then, with
//! the same RNG, so a seed replays the same schedule; the exact interleaving with the workload
//! is of course up to timing.

use std::time::{Duration, Instant};

use flashq::client::ClusterMetadata;

use super::brokers::Brokers;
use super::checker::Milestone;
use super::net::{Grudge, Network, Node};
use super::observer::Observer;
use super::{BROKERS, TOPIC};

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
    pub const ALL: [FaultKind; 11] = [
        FaultKind::KillLeader,
        FaultKind::KillFollower,
        FaultKind::KillMajority,
        FaultKind::KillAll,
        FaultKind::PauseLeader,
        FaultKind::PauseController,
        FaultKind::IsolateLeader,
        FaultKind::LeaderCutFromPeers,
        FaultKind::MajorityMinority,
        FaultKind::Bridge,
        FaultKind::ClockJump,
    ];

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
        }
    }

    pub fn needs_network(self) -> bool {
        FaultKind::NETWORK.contains(&self)
    }

    pub fn needs_clock_control(self) -> bool {
        FaultKind::CLOCK.contains(&self)
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
/// then one pair (however long that takes); then random steps (a third of them two faults at
/// once) while time is left.
pub fn schedule(
    rng: &mut SplitMix64,
    kinds: &[FaultKind],
    tour: bool,
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
}

impl Nemesis<'_> {
    /// Begins the faults of one step together.
    pub fn begin(&mut self, kinds: &[FaultKind]) -> ActiveStep {
        let mut active = ActiveStep::default();
        for &kind in kinds {
            let view = self.observer.view(self.brokers);
            let (targets, victims) = self.apply(kind, view.as_ref(), &mut active);
            let leader_lost_for = view.map_or_else(Vec::new, |v| {
                v.partitions
                    .iter()
                    .filter(|p| p.topic == TOPIC && p.leader.is_some_and(|l| victims.contains(&l)))
                    .map(|p| p.partition)
                    .collect()
            });
            active.records.push(self.timeline.faults.len());
            self.timeline.faults.push(FaultRecord {
                kind,
                targets,
                leader_lost_for,
                began_at: self.started.elapsed(),
                healed_at: None,
                alone: kinds.len() == 1,
            });
        }
        active
    }

    /// Does `kind`; returns who it was done to (for the timeline) and the brokers it took away
    /// from the others (killed, paused or cut off).
    fn apply(
        &mut self,
        kind: FaultKind,
        view: Option<&ClusterMetadata>,
        active: &mut ActiveStep,
    ) -> (String, Vec<u64>) {
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
                (name(&victims), victims)
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
                (name(&[victim]), vec![victim])
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
                (format!("n{victim} {seconds:+} s"), Vec::new())
            }
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
                (targets, victims)
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

    /// Undoes a step: the network first, then paused brokers go on, then killed ones restart.
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
    fn pauses_outlast_the_session_timeout() {
        let steps = schedule(
            &mut SplitMix64::new(3),
            &[FaultKind::PauseLeader, FaultKind::PauseController],
            false,
            Duration::from_secs(120),
            holds(),
        );
        assert!(steps.iter().all(|s| s.hold >= Duration::from_millis(3000)));
        let planned: Duration = steps.iter().map(|s| s.quiet + s.hold).sum();
        assert!(planned <= Duration::from_secs(120), "{planned:?}");
    }
}
