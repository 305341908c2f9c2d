//! The nemesis suite of "Acknowledged means kept": three real brokers (RF=3, acks=all,
//! min-insync-replicas 2), four producers and a following consumer, while the nemesis kills,
//! pauses and partitions brokers, steps their clocks, damages their files, moves partitions
//! and has a fourth broker join and leave, on a seeded schedule; afterwards nothing acknowledged may be
//! lost, nothing may be stored twice (the routed producers are idempotent, and retry through
//! every failover), no producer's writes may be out of order in a partition, no offset may
//! hold two values, and the replicas must be identical.
//!
//! The short form (these tests without `--ignored`) runs every fault kind at least once in a few
//! minutes; namespace runs print `skipped: <why>` and pass where there is no root, `ip` or
//! `iptables`, and clock-jump runs where there is no libfaketime (Debian's `faketime`). The
//! long form is `cargo test --release --test nemesis -- --ignored` (40 runs of 60 s by default:
//! `FLASHQ_NEMESIS_RUNS`, `FLASHQ_NEMESIS_SECONDS`). A failing run prints its
//! seed and timeline; `FLASHQ_NEMESIS_SEED=<seed>` replays it.

mod common;
#[path = "common/nemesis/mod.rs"]
mod nemesis;

use std::time::Duration;

use nemesis::faults::FaultKind;
use nemesis::{NetworkMode, RunConfig, RunReport, Timing};

/// A short-form run: test-speed timing and a fresh seed (or the one given to replay); with
/// `tour`, every kind once alone first.
fn short_config(
    name: &str,
    network: NetworkMode,
    partitions: u32,
    seconds: u64,
    kinds: &[FaultKind],
    tour: bool,
) -> RunConfig {
    RunConfig {
        name: name.to_string(),
        network,
        timing: Timing::Fast,
        partitions,
        length: Duration::from_secs(seconds),
        kinds: kinds.to_vec(),
        tour,
        pairs: Vec::new(),
        seed: nemesis::seed(),
    }
}

fn short_run(
    name: &str,
    network: NetworkMode,
    partitions: u32,
    seconds: u64,
    kinds: &[FaultKind],
    tour: bool,
) -> Option<RunReport> {
    nemesis::run(short_config(
        name, network, partitions, seconds, kinds, tour,
    ))
}

/// The process faults an operator's changes are combined with.
const KILLS_AND_PAUSES: [FaultKind; 4] = [
    FaultKind::KillLeader,
    FaultKind::KillFollower,
    FaultKind::PauseLeader,
    FaultKind::PauseController,
];

#[test]
fn kills_of_leaders_followers_majorities_and_everyone_keep_acknowledged_writes() {
    let kinds = [
        FaultKind::KillLeader,
        FaultKind::KillFollower,
        FaultKind::KillMajority,
        FaultKind::KillAll,
    ];
    if let Some(report) = short_run("kills", NetworkMode::Loopback, 1, 20, &kinds, true) {
        report.assert_safe();
    }
}

#[test]
fn pauses_of_the_leader_and_the_controller_keep_acknowledged_writes() {
    let kinds = [FaultKind::PauseLeader, FaultKind::PauseController];
    if let Some(report) = short_run("pauses", NetworkMode::Loopback, 3, 25, &kinds, true) {
        report.assert_safe();
    }
}

#[test]
fn partitions_around_the_leader_keep_acknowledged_writes() {
    let kinds = [FaultKind::IsolateLeader, FaultKind::LeaderCutFromPeers];
    if let Some(report) = short_run(
        "leader-partitions",
        NetworkMode::Namespaces,
        1,
        20,
        &kinds,
        true,
    ) {
        report.assert_safe();
    }
}

#[test]
fn majority_minority_and_bridge_partitions_keep_acknowledged_writes() {
    let kinds = [FaultKind::MajorityMinority, FaultKind::Bridge];
    if let Some(report) = short_run(
        "split-partitions",
        NetworkMode::Namespaces,
        3,
        20,
        &kinds,
        true,
    ) {
        report.assert_safe();
    }
}

/// Steps of one broker's wall clock, minutes either way, of the leader, the controller or any
/// broker: nothing may depend on brokers' clocks agreeing, or on one not stepping.
#[test]
fn clock_jumps_of_one_broker_keep_acknowledged_writes() {
    if let Some(report) = short_run(
        "clock-jumps",
        NetworkMode::Loopback,
        3,
        20,
        &FaultKind::CLOCK,
        true,
    ) {
        report.assert_safe();
    }
}

/// One flipped byte in a file of one broker, killed for it and restarted on heal: it reports
/// the damage, serves none of it and copies it back from its peers.
#[test]
fn damaged_files_on_one_broker_keep_acknowledged_writes() {
    if let Some(report) = short_run(
        "damaged-files",
        NetworkMode::Loopback,
        1,
        25,
        &FaultKind::DISK,
        true,
    ) {
        report.assert_safe();
    }
}

/// An operator's changes while brokers die and stall: a partition moved to two of its replicas
/// (dropping its leader or a follower) and back to three in another order (the dropped
/// replica's stale copy truncated and copied back, the preferred leader moved), and a fourth
/// broker joining the metadata quorum as a voter and removed again; each alone, then with
/// kills and pauses of leaders, followers and the controller (the joined broker may be the
/// one paused).
#[test]
fn partition_moves_and_membership_changes_keep_acknowledged_writes() {
    let kinds: Vec<FaultKind> = FaultKind::CLUSTER
        .into_iter()
        .chain(KILLS_AND_PAUSES)
        .collect();
    if let Some(report) = short_run(
        "moves-and-membership",
        NetworkMode::Loopback,
        3,
        50,
        &kinds,
        true,
    ) {
        report.assert_safe();
        report.assert_done(&FaultKind::CLUSTER);
    }
}

/// Each of an operator's changes with each kill and pause, once: the leader killed or paused
/// while a partition shrinks or its dropped replica copies back, a follower killed while the
/// quorum has four voters, the controller paused while a broker joins or is removed.
#[test]
fn partition_moves_and_membership_changes_under_kills_and_pauses_keep_acknowledged_writes() {
    let kinds: Vec<FaultKind> = FaultKind::CLUSTER
        .into_iter()
        .chain(KILLS_AND_PAUSES)
        .collect();
    let config = RunConfig {
        pairs: nemesis::faults::pairings(&FaultKind::CLUSTER, &KILLS_AND_PAUSES),
        ..short_config(
            "changes-under-faults",
            NetworkMode::Loopback,
            1,
            50,
            &kinds,
            false,
        )
    };
    if let Some(report) = nemesis::run(config) {
        report.assert_safe();
        report.assert_done(&FaultKind::CLUSTER);
    }
}

/// Random steps over every kind, a third of them two faults at once (the other tests' tours
/// already did each kind alone).
#[test]
fn every_fault_combined_keeps_acknowledged_writes() {
    let mut kinds: Vec<FaultKind> = FaultKind::PROCESS
        .into_iter()
        .chain(FaultKind::NETWORK)
        .chain(FaultKind::DISK)
        .chain([FaultKind::MoveReplicas])
        .collect();
    if nemesis::clock::library().is_ok() {
        kinds.extend(FaultKind::CLOCK);
    }
    if let Some(report) = short_run("combined", NetworkMode::Namespaces, 3, 30, &kinds, false) {
        report.assert_safe();
    }
}

/// The long form: `FLASHQ_NEMESIS_RUNS` runs (default 40) of `FLASHQ_NEMESIS_SECONDS` of faults
/// each (default 60) with the brokers' default timing, every fault kind the machine allows
/// (a broker joins only on loopback), alternating 1 and 3 partitions and (where namespaces
/// work) loopback and namespaces. With
/// `FLASHQ_NEMESIS_SEED` set it replays that one run: a run's shape comes from its seed. It
/// ends with the tables of docs/reliability.md ([`nemesis::summary`]).
#[test]
#[ignore = "long form: cargo test --release --test nemesis -- --ignored"]
fn long_form_every_fault_many_runs() {
    let namespaces = nemesis::namespaces_available();
    let clocks = nemesis::clock_jumps_available();
    // FLASHQ_NEMESIS_KINDS=pause-leader,bridge: only those kinds, to measure one at a time.
    let chosen: Option<Vec<FaultKind>> = std::env::var("FLASHQ_NEMESIS_KINDS").ok().map(|v| {
        v.split(',')
            .map(|name| {
                FaultKind::all()
                    .find(|k| k.name() == name.trim())
                    .unwrap_or_else(|| panic!("FLASHQ_NEMESIS_KINDS: no fault kind {name:?}"))
            })
            .collect()
    });
    let replay = std::env::var(nemesis::SEED_VAR).is_ok();
    let runs = if replay {
        1
    } else {
        nemesis::env_number("FLASHQ_NEMESIS_RUNS", 40)
    };
    let seconds = nemesis::env_number("FLASHQ_NEMESIS_SECONDS", 60);
    let mut reports = Vec::new();
    for i in 0..runs {
        let seed = nemesis::seed();
        let network_chosen = chosen
            .as_ref()
            .is_some_and(|c| c.iter().any(|k| k.needs_network()));
        let network = if namespaces && (network_chosen || !seed.is_multiple_of(2)) {
            NetworkMode::Namespaces
        } else {
            NetworkMode::Loopback
        };
        let mut kinds: Vec<FaultKind> = FaultKind::PROCESS
            .into_iter()
            .chain(FaultKind::DISK)
            .chain(FaultKind::CLUSTER)
            .collect();
        if network == NetworkMode::Namespaces {
            kinds.extend(FaultKind::NETWORK);
            kinds.retain(|k| !k.needs_loopback());
        }
        if clocks {
            kinds.extend(FaultKind::CLOCK);
        }
        if let Some(chosen) = &chosen {
            kinds.retain(|k| chosen.contains(k));
            assert!(
                !kinds.is_empty(),
                "none of FLASHQ_NEMESIS_KINDS can run here (see skipped: above)"
            );
        }
        let report = nemesis::run(RunConfig {
            name: format!("long-{}", i + 1),
            network,
            timing: Timing::Default,
            partitions: if (seed / 2).is_multiple_of(2) { 1 } else { 3 },
            length: Duration::from_secs(seconds),
            kinds,
            tour: true,
            pairs: Vec::new(),
            seed,
        })
        .expect("loopback runs always run");
        reports.push(report);
    }
    let mut summary = String::from("long form summary:\n");
    for r in &reports {
        let counts: Vec<String> = r
            .analysis
            .counts()
            .iter()
            .map(|(name, count)| format!("{name}={count}"))
            .collect();
        summary.push_str(&format!(
            "  {} seed {} {:?} p={}: {}\n",
            r.config.name,
            r.config.seed,
            r.config.network,
            r.config.partitions,
            counts.join(" ")
        ));
    }
    summary.push('\n');
    summary.push_str(&nemesis::summary::tables(&reports));
    eprintln!("{summary}");
    let unsafe_runs: Vec<String> = reports
        .iter()
        .filter(|r| !r.analysis.is_safe())
        .map(|r| format!("{} (seed {})", r.config.name, r.config.seed))
        .collect();
    assert!(
        unsafe_runs.is_empty(),
        "unsafe runs: {unsafe_runs:?}\n{summary}"
    );
}
