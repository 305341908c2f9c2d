//! Consumer groups end to end: real `flashq serve` on file storage, real `flashq consume --group`
//! members and `flashq group` commands.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use common::{RunningCommand, TestBroker, stdout_of, wait_until};
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(30);
/// The members' session timeout in these tests: short, so expiry is quick to observe.
const SESSION_TIMEOUT_MS: u64 = 3_000;

/// Produces `count` records with values `{tag}-{i}` to one partition.
fn produce(broker: &TestBroker, topic: &str, partition: u32, tag: &str, count: usize) {
    let lines: String = (0..count).map(|i| format!("{tag}-{i}\n")).collect();
    broker
        .cmd()
        .args(["produce", "-t", topic, "-p", &partition.to_string(), "-q"])
        .write_stdin(lines)
        .assert()
        .success();
}

fn describe(broker: &TestBroker, group: &str) -> Value {
    let out = stdout_of(
        broker
            .cmd()
            .args(["group", "describe", group, "-o", "json"])
            .assert()
            .success(),
    );
    serde_json::from_str(&out).expect("describe prints JSON")
}

/// describe, or None while the group does not exist or the call fails.
fn try_describe(broker: &TestBroker, group: &str) -> Option<Value> {
    common::json_of(
        broker
            .cmd()
            .args(["group", "describe", group, "-o", "json"]),
    )
}

/// Per member id, the partitions it owns; only when the group is stable.
fn stable_assignment(group: &Value) -> Option<BTreeMap<String, Vec<u32>>> {
    if group["state"] != "Stable" {
        return None;
    }
    Some(
        group["members"]
            .as_array()?
            .iter()
            .map(|m| {
                let partitions = m["assignment"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|tp| tp["partition"].as_u64().unwrap() as u32)
                    .collect();
                (m["member_id"].as_str().unwrap().to_string(), partitions)
            })
            .collect(),
    )
}

/// A partition's committed offset, log end offset and lag, as describe reports them.
type PartitionOffsets = (Option<u64>, Option<u64>, Option<u64>);

/// Per partition: (committed offset, log end offset, lag), from describe's JSON.
fn offsets(group: &Value) -> BTreeMap<u32, PartitionOffsets> {
    group["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["partition"].as_u64().unwrap() as u32,
                (
                    p["committed_offset"].as_u64(),
                    p["log_end_offset"].as_u64(),
                    p["lag"].as_u64(),
                ),
            )
        })
        .collect()
}

/// The (partition, offset) of every JSON record a consumer printed.
fn consumed(member: &RunningCommand) -> Vec<(u32, u64)> {
    member
        .stdout_lines()
        .iter()
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("NDJSON record");
            (
                record["partition"].as_u64().unwrap() as u32,
                record["offset"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn start_member(broker: &TestBroker, topic: &str, group: &str) -> RunningCommand {
    let session = SESSION_TIMEOUT_MS.to_string();
    RunningCommand::start(
        &broker.address,
        &[
            "consume",
            "-t",
            topic,
            "--group",
            group,
            "--follow",
            "-o",
            "json",
            "--session-timeout-ms",
            &session,
            // Long, so the exactly-once check depends on the commits made before each rebalance
            // and on exit, not on a timer that happens to fire in between.
            "--auto-commit-interval-ms",
            "60000",
        ],
    )
}

/// Every (partition, offset) printed by any of `members`, each with how often it was printed.
fn tally(members: &[&RunningCommand]) -> BTreeMap<(u32, u64), usize> {
    let mut seen = BTreeMap::new();
    for member in members {
        for record in consumed(member) {
            *seen.entry(record).or_default() += 1;
        }
    }
    seen
}

/// Batches of 5 records produced while the members join (spread over the 6 partitions).
const DURING_BATCHES: u64 = 24;
/// Each partition's end offset once the "stable" records are in: 10 before, 20 during, 10 stable.
const STABLE_END: u64 = 10 + DURING_BATCHES / 6 * 5 + 10;

#[test]
fn three_members_share_six_partitions_take_over_on_leave_and_consume_each_record_once() {
    let broker = TestBroker::start(&[]);
    broker.create_topic("events", 6);
    for partition in 0..6 {
        produce(&broker, "events", partition, "before", 10);
    }
    // Records keep arriving while the members join, so rebalances happen mid-stream.
    let address = broker.address.clone();
    let producer = std::thread::spawn(move || {
        for batch in 0..DURING_BATCHES {
            let lines: String = (0..5).map(|i| format!("during-{batch}-{i}\n")).collect();
            common::flashq_cmd()
                .env("FLASHQ_BROKER", &address)
                .args(["produce", "-t", "events", "-q", "-p"])
                .arg((batch % 6).to_string())
                .write_stdin(lines)
                .assert()
                .success();
        }
    });
    let mut a = start_member(&broker, "events", "workers");
    let b = start_member(&broker, "events", "workers");
    let mut c = start_member(&broker, "events", "workers");
    producer.join().expect("producer thread");

    // Three members, two disjoint partitions each, covering all six.
    let mut assignment = BTreeMap::new();
    assert!(
        wait_until(WAIT, || {
            let Some(group) = try_describe(&broker, "workers") else {
                return false;
            };
            match stable_assignment(&group) {
                Some(owned) if owned.len() == 3 => {
                    assignment = owned;
                    true
                }
                _ => false,
            }
        }),
        "the group never settled with three members"
    );
    let mut all: Vec<u32> = assignment.values().flatten().copied().collect();
    all.sort();
    assert_eq!(all, vec![0, 1, 2, 3, 4, 5]);
    assert!(assignment.values().all(|p| p.len() == 2), "{assignment:?}");

    // Records produced now reach only their partition's owner.
    for partition in 0..6 {
        produce(&broker, "events", partition, "stable", 10);
    }
    assert!(
        wait_until(WAIT, || tally(&[&a, &b, &c]).len()
            == 6 * STABLE_END as usize),
        "not every record was consumed: {} of {}",
        tally(&[&a, &b, &c]).len(),
        6 * STABLE_END
    );
    let owner_of = |p: u32| {
        assignment
            .iter()
            .find(|(_, ps)| ps.contains(&p))
            .unwrap()
            .0
            .clone()
    };
    let members_partitions: Vec<BTreeSet<u32>> = [&a, &b, &c]
        .iter()
        .map(|m| {
            consumed(m)
                .into_iter()
                .filter(|(_, offset)| *offset >= STABLE_END - 10)
                .map(|(p, _)| p)
                .collect()
        })
        .collect();
    for partitions in &members_partitions {
        let owners: BTreeSet<String> = partitions.iter().map(|p| owner_of(*p)).collect();
        assert!(
            owners.len() <= 1,
            "one consumer read partitions of several owners: {partitions:?}"
        );
    }

    // One member leaves (SIGTERM: commit, leave); the other two take its partitions at once.
    let left_at = Instant::now();
    assert_eq!(
        c.terminate(),
        Some(0),
        "the leaving member must exit cleanly"
    );
    let mut after_leave = BTreeMap::new();
    assert!(wait_until(WAIT, || {
        match try_describe(&broker, "workers").and_then(|g| stable_assignment(&g)) {
            Some(owned) if owned.len() == 2 => {
                after_leave = owned;
                true
            }
            _ => false,
        }
    }));
    let took = left_at.elapsed();
    assert!(
        took < Duration::from_millis(SESSION_TIMEOUT_MS),
        "reassignment took {took:?}, longer than the session timeout"
    );
    let mut all: Vec<u32> = after_leave.values().flatten().copied().collect();
    all.sort();
    assert_eq!(all, vec![0, 1, 2, 3, 4, 5], "{after_leave:?}");

    for partition in 0..6 {
        produce(&broker, "events", partition, "after-leave", 10);
    }
    let total = STABLE_END + 10;
    assert!(
        wait_until(WAIT, || tally(&[&a, &b, &c]).len() == 6 * total as usize),
        "not every record was consumed after the leave: {} of {}",
        tally(&[&a, &b, &c]).len(),
        6 * total
    );
    // A clean run: every record exactly once across the group, none lost, none repeated.
    let seen = tally(&[&a, &b, &c]);
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "records consumed twice: {repeated:?}");
    let want: BTreeSet<(u32, u64)> = (0..6)
        .flat_map(|p| (0..total).map(move |o| (p, o)))
        .collect();
    assert_eq!(seen.keys().copied().collect::<BTreeSet<_>>(), want);

    // A member that crashes (SIGKILL) stops heartbeating: it is expired after its session
    // timeout and the last member gets every partition.
    let crashed_at = Instant::now();
    drop(b);
    assert!(wait_until(WAIT, || {
        try_describe(&broker, "workers")
            .and_then(|g| stable_assignment(&g))
            .is_some_and(|owned| owned.len() == 1 && owned.values().all(|p| p.len() == 6))
    }));
    let took = crashed_at.elapsed();
    assert!(
        took < Duration::from_millis(2 * SESSION_TIMEOUT_MS),
        "expiry and reassignment took {took:?}"
    );
    produce(&broker, "events", 3, "after-crash", 5);
    assert!(wait_until(WAIT, || consumed(&a).contains(&(3, total + 4))));
    assert_eq!(a.terminate(), Some(0));
    // Everyone has left; the committed offsets stay, with no lag.
    let group = describe(&broker, "workers");
    assert_eq!(group["state"], "Empty");
    for (partition, (committed, end, lag)) in offsets(&group) {
        assert_eq!(committed, end, "partition {partition}");
        assert_eq!(lag, Some(0));
    }
}

#[test]
fn committed_offsets_survive_sigterm_and_sigkill_restarts() {
    let mut broker = TestBroker::start(&[]);
    // Names with the separator that broke the original offset store.
    broker.create_topic("a--b", 2);
    produce(&broker, "a--b", 0, "x", 10);
    produce(&broker, "a--b", 1, "y", 5);
    // A consumer reads everything and commits on exit.
    let out = stdout_of(
        broker
            .cmd()
            .args(["consume", "-t", "a--b", "--group", "readers--1"])
            .assert()
            .success(),
    );
    assert_eq!(out.lines().count(), 15);
    // An admin commit, and a group that is deleted.
    for (group, partition, offset) in [("g--0", 0, "4"), ("g--0", 1, "2"), ("gone", 0, "1")] {
        broker
            .cmd()
            .args(["group", "commit", group, "-t", "a--b", "-p"])
            .args([&partition.to_string(), "--offset", offset])
            .assert()
            .success();
    }
    broker
        .cmd()
        .args(["group", "delete", "gone"])
        .assert()
        .success();

    let check = |broker: &TestBroker, g0: (u64, u64)| {
        let readers = offsets(&describe(broker, "readers--1"));
        assert_eq!(readers[&0], (Some(10), Some(10), Some(0)));
        assert_eq!(readers[&1], (Some(5), Some(5), Some(0)));
        let admin = offsets(&describe(broker, "g--0"));
        assert_eq!(admin[&0].0, Some(g0.0));
        assert_eq!(admin[&1].0, Some(g0.1));
        broker
            .cmd()
            .args(["group", "describe", "gone"])
            .assert()
            .code(4);
        let listed = stdout_of(
            broker
                .cmd()
                .args(["group", "list", "-o", "json"])
                .assert()
                .success(),
        );
        let listed: Value = serde_json::from_str(&listed).unwrap();
        let names: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["group"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["g--0", "readers--1"]);
    };

    broker.restart();
    check(&broker, (4, 2));

    // Commits after the restart go to the log; SIGKILL gives no chance to compact.
    broker
        .cmd()
        .args([
            "group", "commit", "g--0", "-t", "a--b", "-p", "0", "--offset", "7",
        ])
        .assert()
        .success();
    broker
        .cmd()
        .args(["group", "delete", "g--0"])
        .assert()
        .success();
    broker
        .cmd()
        .args([
            "group", "commit", "g--0", "-t", "a--b", "-p", "1", "--offset", "3",
        ])
        .assert()
        .success();
    broker.crash_and_restart_on_same_address();
    let admin = offsets(&describe(&broker, "g--0"));
    // Deleted and committed again: only the new offset exists.
    assert_eq!(admin[&0].0, None);
    assert_eq!(admin[&1].0, Some(3));
    let readers = offsets(&describe(&broker, "readers--1"));
    assert_eq!(readers[&0], (Some(10), Some(10), Some(0)));
    broker
        .cmd()
        .args(["group", "describe", "gone"])
        .assert()
        .code(4);

    // The group resumes where it committed: only records produced since are read.
    produce(&broker, "a--b", 1, "z", 3);
    let out = stdout_of(
        broker
            .cmd()
            .args(["consume", "-t", "a--b", "--group", "readers--1"])
            .assert()
            .success(),
    );
    assert_eq!(out, "z-0\nz-1\nz-2\n");
}

/// The rows of the describe table whose header starts with TOPIC, as cells.
fn partition_table_rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in text.lines() {
        if !line.starts_with('│') {
            continue;
        }
        let cells: Vec<String> = line
            .trim_matches('│')
            .split('┆')
            .map(|c| c.trim().to_string())
            .collect();
        if cells.first().map(String::as_str) == Some("TOPIC") {
            in_table = true;
            continue;
        }
        if in_table {
            rows.push(cells);
        }
    }
    rows
}

#[test]
fn describe_shows_lag_and_reset_offsets_is_a_dry_run_until_executed() {
    let broker = TestBroker::start(&[]);
    broker.create_topic("lag", 3);
    for partition in 0..3 {
        produce(&broker, "lag", partition, "old", 5);
    }
    broker
        .cmd()
        .args(["consume", "-t", "lag", "--group", "app", "-q"])
        .assert()
        .success();
    let group = describe(&broker, "app");
    assert!(
        offsets(&group)
            .values()
            .all(|o| *o == (Some(5), Some(5), Some(0)))
    );

    // N more records: LAG is exactly what was produced since the commit.
    produce(&broker, "lag", 1, "new", 7);
    produce(&broker, "lag", 2, "new", 2);
    let group = describe(&broker, "app");
    let by_partition = offsets(&group);
    assert_eq!(by_partition[&0], (Some(5), Some(5), Some(0)));
    assert_eq!(by_partition[&1], (Some(5), Some(12), Some(7)));
    assert_eq!(by_partition[&2], (Some(5), Some(7), Some(2)));

    // The table carries the same data as the JSON.
    let table = stdout_of(
        broker
            .cmd()
            .args(["group", "describe", "app"])
            .assert()
            .success(),
    );
    assert!(table.contains("LAG"), "{table}");
    let rows = partition_table_rows(&table);
    let from_json: Vec<Vec<String>> = group["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let cell = |v: &Value| v.as_u64().map_or("-".to_string(), |n| n.to_string());
            vec![
                p["topic"].as_str().unwrap().to_string(),
                cell(&p["partition"]),
                cell(&p["committed_offset"]),
                cell(&p["log_end_offset"]),
                cell(&p["lag"]),
                p["member_id"].as_str().unwrap_or("-").to_string(),
            ]
        })
        .collect();
    assert_eq!(rows, from_json);

    // A dry run prints the plan and changes nothing.
    let plan = stdout_of(
        broker
            .cmd()
            .args([
                "group",
                "reset-offsets",
                "app",
                "-t",
                "lag",
                "--to-earliest",
                "-o",
                "json",
            ])
            .assert()
            .success(),
    );
    let plan: Value = serde_json::from_str(&plan).unwrap();
    assert_eq!(plan["executed"], false);
    let planned: Vec<(u64, u64)> = plan["plan"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["current_offset"].as_u64().unwrap(),
                p["new_offset"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(planned, [(5, 0), (5, 0), (5, 0)]);
    assert_eq!(offsets(&describe(&broker, "app")), by_partition);
    let text_plan = stdout_of(
        broker
            .cmd()
            .args(["group", "reset-offsets", "app", "-t", "lag", "--to-latest"])
            .assert()
            .success(),
    );
    assert!(text_plan.contains("NEW-OFFSET"), "{text_plan}");
    assert_eq!(offsets(&describe(&broker, "app")), by_partition);

    // --execute applies it.
    broker
        .cmd()
        .args([
            "group",
            "reset-offsets",
            "app",
            "-t",
            "lag",
            "--to-earliest",
            "--execute",
        ])
        .assert()
        .success();
    let reset = offsets(&describe(&broker, "app"));
    assert_eq!(reset[&1], (Some(0), Some(12), Some(12)));
    // One partition only, and the other targets.
    broker
        .cmd()
        .args([
            "group",
            "reset-offsets",
            "app",
            "-t",
            "lag",
            "-p",
            "1",
            "--to-offset",
            "9",
        ])
        .arg("--execute")
        .assert()
        .success();
    broker
        .cmd()
        .args([
            "group",
            "reset-offsets",
            "app",
            "-t",
            "lag",
            "-p",
            "2",
            "--to-latest",
            "--execute",
        ])
        .assert()
        .success();
    broker
        .cmd()
        .args([
            "group",
            "reset-offsets",
            "app",
            "-t",
            "lag",
            "-p",
            "1",
            "--shift-by",
            "-4",
        ])
        .arg("--execute")
        .assert()
        .success();
    broker
        .cmd()
        .args(["group", "reset-offsets", "app", "-t", "lag", "-p", "0"])
        .args(["--to-time", "2100-01-01T00:00:00Z", "--execute"])
        .assert()
        .success();
    let moved = offsets(&describe(&broker, "app"));
    assert_eq!(
        moved[&0].0,
        Some(5),
        "a time after every record resets to the end"
    );
    assert_eq!(moved[&1].0, Some(5), "9 shifted by -4");
    assert_eq!(moved[&2], (Some(7), Some(7), Some(0)));
    // The group reads from the reset offsets.
    let out = stdout_of(
        broker
            .cmd()
            .args(["consume", "-t", "lag", "--group", "app"])
            .assert()
            .success(),
    );
    let want: String = (0..7).map(|i| format!("new-{i}\n")).collect();
    assert_eq!(
        out, want,
        "partition 1 from offset 5; partitions 0 and 2 at their end"
    );

    // While a member is active, executing a reset and deleting are refused (exit 6).
    let member = start_member(&broker, "lag", "app");
    assert!(wait_until(WAIT, || {
        try_describe(&broker, "app").is_some_and(|g| g["members"].as_array().unwrap().len() == 1)
    }));
    broker
        .cmd()
        .args([
            "group",
            "reset-offsets",
            "app",
            "-t",
            "lag",
            "--to-earliest",
            "--execute",
        ])
        .assert()
        .code(6);
    let refused = broker
        .cmd()
        .args(["group", "delete", "app"])
        .assert()
        .code(6);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(stderr.contains("active member"), "{stderr}");
    drop(member);
}

#[test]
fn stale_generation_commits_are_fenced_and_unknown_groups_are_not_found() {
    let broker = TestBroker::start(&[]);
    broker.create_topic("fence", 2);
    produce(&broker, "fence", 0, "r", 3);
    let first = start_member(&broker, "fence", "fenced");
    let mut old = (String::new(), 0u64);
    assert!(wait_until(WAIT, || {
        let Some(group) = try_describe(&broker, "fenced") else {
            return false;
        };
        match stable_assignment(&group) {
            Some(owned) if owned.len() == 1 => {
                old = (
                    owned.keys().next().unwrap().clone(),
                    group["generation"].as_u64().unwrap(),
                );
                true
            }
            _ => false,
        }
    }));
    // A second member joins: the group moves to a new generation.
    let second = start_member(&broker, "fence", "fenced");
    assert!(wait_until(WAIT, || {
        try_describe(&broker, "fenced").is_some_and(|g| {
            stable_assignment(&g).is_some_and(|owned| owned.len() == 2)
                && g["generation"].as_u64().unwrap() > old.1
        })
    }));
    let current = describe(&broker, "fenced")["generation"].as_u64().unwrap();

    // The first member's old generation is fenced, with a message that says so.
    let stale = broker
        .cmd()
        .args([
            "group", "commit", "fenced", "-t", "fence", "-p", "0", "--offset", "1",
        ])
        .args(["--member-id", &old.0, "--generation", &old.1.to_string()])
        .assert()
        .code(6);
    let stderr = String::from_utf8_lossy(&stale.get_output().stderr).to_string();
    assert!(
        stderr.contains(&format!("stale generation {}", old.1))
            && stderr.contains(&format!("generation {current}")),
        "{stderr}"
    );
    // With the current generation the same member may commit.
    broker
        .cmd()
        .args([
            "group", "commit", "fenced", "-t", "fence", "-p", "0", "--offset", "1",
        ])
        .args(["--member-id", &old.0, "--generation", &current.to_string()])
        .assert()
        .success();
    // An unknown member, and an admin commit while members are active: conflicts too.
    let unknown = broker
        .cmd()
        .args([
            "group", "commit", "fenced", "-t", "fence", "-p", "0", "--offset", "1",
        ])
        .args([
            "--member-id",
            "nobody-1",
            "--generation",
            &current.to_string(),
        ])
        .assert()
        .code(6);
    assert!(String::from_utf8_lossy(&unknown.get_output().stderr).contains("is not in group"));
    broker
        .cmd()
        .args([
            "group", "commit", "fenced", "-t", "fence", "-p", "0", "--offset", "1",
        ])
        .assert()
        .code(6);
    // JSON errors carry the same code.
    let json = broker
        .cmd()
        .args([
            "group", "commit", "fenced", "-t", "fence", "-p", "0", "--offset", "1", "-o", "json",
        ])
        .args(["--member-id", &old.0, "--generation", &old.1.to_string()])
        .assert()
        .code(6);
    let error: Value =
        serde_json::from_slice(&json.get_output().stderr).expect("a JSON error object");
    assert_eq!(error["error"]["code"], "conflict");
    drop(first);
    drop(second);

    // Unknown groups are not found (exit 4); bad names are invalid input (exit 5).
    for args in [
        &["group", "describe", "no-such-group"][..],
        &["group", "delete", "no-such-group"],
    ] {
        let out = broker.cmd().args(args).assert().code(4);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            stderr.contains("group \"no-such-group\" does not exist"),
            "{stderr}"
        );
    }
    broker
        .cmd()
        .args(["group", "describe", "../escape"])
        .assert()
        .code(5);
    broker
        .cmd()
        .args(["consume", "-t", "missing-topic", "--group", "g"])
        .assert()
        .code(4);
    let listed = stdout_of(
        broker
            .cmd()
            .args(["group", "list", "-o", "json"])
            .assert()
            .success(),
    );
    assert!(listed.starts_with('['));
}

#[test]
fn group_list_is_an_empty_json_array_on_a_new_broker() {
    let broker = TestBroker::start(&[]);
    let out = stdout_of(
        broker
            .cmd()
            .args(["group", "list", "-o", "json"])
            .assert()
            .success(),
    );
    assert_eq!(out.trim(), "[]");
}

#[test]
fn a_corrupt_offsets_store_stops_the_broker_at_startup_instead_of_reading_as_empty() {
    let mut broker = TestBroker::start(&[]);
    broker.create_topic("kept", 1);
    produce(&broker, "kept", 0, "r", 3);
    broker
        .cmd()
        .args([
            "group", "commit", "keeper", "-t", "kept", "-p", "0", "--offset", "2",
        ])
        .assert()
        .success();
    assert_eq!(broker.stop(), Some(0));
    // A clean stop compacts the log into the snapshot; damage one byte of it.
    let snapshot = broker.data_dir.join("groups").join("offsets.snapshot");
    let mut bytes = std::fs::read(&snapshot).expect("a snapshot after a clean stop");
    let at = bytes.len() - 20;
    bytes[at] ^= 0xff;
    std::fs::write(&snapshot, bytes).unwrap();
    let refused = common::flashq_cmd()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&broker.data_dir)
        .assert()
        .code(7);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(stderr.contains("offsets"), "{stderr}");
}

#[test]
fn subscribers_in_a_group_split_partitions_and_commit_on_the_way_out() {
    let broker = TestBroker::start(&[]);
    broker.create_topic("pushed", 4);
    produce(&broker, "pushed", 0, "old", 3);
    let subscriber = |broker: &TestBroker| {
        RunningCommand::start(
            &broker.address,
            &[
                "subscribe",
                "-t",
                "pushed",
                "--group",
                "pushers",
                "-o",
                "json",
                "--session-timeout-ms",
                "3000",
                "--auto-commit-interval-ms",
                "60000",
                "--assignor",
                "sticky",
            ],
        )
    };
    let mut first = subscriber(&broker);
    let mut second = subscriber(&broker);
    let mut assignment = BTreeMap::new();
    assert!(wait_until(WAIT, || {
        match try_describe(&broker, "pushers").and_then(|g| stable_assignment(&g)) {
            Some(owned) if owned.len() == 2 => {
                assignment = owned;
                true
            }
            _ => false,
        }
    }));
    assert!(assignment.values().all(|p| p.len() == 2), "{assignment:?}");
    for partition in 0..4 {
        produce(&broker, "pushed", partition, "new", 5);
    }
    // The group starts at the earliest offset: the 3 old records plus the 20 new ones, once each.
    assert!(
        wait_until(WAIT, || tally(&[&first, &second]).len() == 23),
        "{} of 23 records",
        tally(&[&first, &second]).len()
    );
    assert!(tally(&[&first, &second]).values().all(|n| *n == 1));
    // Records produced after the group settled reach only their partition's owner (the 3 old
    // ones may have been read by the first subscriber while it was alone).
    for member in [&first, &second] {
        let partitions: BTreeSet<u32> = consumed(member)
            .iter()
            .filter(|(p, o)| *p != 0 || *o >= 3)
            .map(|(p, _)| *p)
            .collect();
        assert!(
            assignment
                .values()
                .any(|owned| partitions.iter().all(|p| owned.contains(p))),
            "a subscriber read partitions of two members: {partitions:?}"
        );
    }
    assert_eq!(first.terminate(), Some(0));
    assert_eq!(second.terminate(), Some(0));
    let group = describe(&broker, "pushers");
    for (partition, (committed, end, _)) in offsets(&group) {
        assert_eq!(committed, end, "partition {partition} committed on exit");
    }
}

#[test]
fn reset_policy_applies_without_committed_offsets_and_no_commit_leaves_none() {
    let broker = TestBroker::start(&[]);
    broker.create_topic("policy", 2);
    produce(&broker, "policy", 0, "a", 4);
    produce(&broker, "policy", 1, "b", 2);
    let consume = |args: &[&str]| {
        stdout_of(
            broker
                .cmd()
                .args(["consume", "-t", "policy"])
                .args(args)
                .assert()
                .success(),
        )
    };
    // --no-commit reads (from the earliest offset, the default policy) and commits nothing.
    assert_eq!(
        consume(&["--group", "peek", "--no-commit"]).lines().count(),
        6
    );
    broker
        .cmd()
        .args(["group", "describe", "peek"])
        .assert()
        .code(4);
    // --reset latest starts a new group at the end, and commits that position on exit.
    assert_eq!(consume(&["--group", "tail", "--reset", "latest"]), "");
    let tail = offsets(&describe(&broker, "tail"));
    assert_eq!(tail[&0], (Some(4), Some(4), Some(0)));
    assert_eq!(tail[&1], (Some(2), Some(2), Some(0)));
    produce(&broker, "policy", 1, "c", 1);
    assert_eq!(consume(&["--group", "tail", "--reset", "latest"]), "c-0\n");
    // A committed offset wins over the policy.
    assert_eq!(consume(&["--group", "tail", "--reset", "earliest"]), "");
}

#[test]
fn a_following_member_joins_again_after_the_broker_crashes() {
    let mut broker = TestBroker::start(&[]);
    broker.create_topic("resilient", 2);
    produce(&broker, "resilient", 0, "before", 5);
    let mut member = start_member(&broker, "resilient", "survivors");
    assert!(wait_until(WAIT, || consumed(&member).len() == 5));
    broker.crash_and_restart_on_same_address();
    produce(&broker, "resilient", 1, "after", 3);
    // The member waits the outage out, joins the restarted broker's group and reads on; what it
    // had not committed (nothing: its timer is 60 s) it reads again: at-least-once.
    assert!(
        wait_until(WAIT, || {
            let seen = consumed(&member);
            (0..3).all(|o| seen.contains(&(1, o)))
        }),
        "no records after the crash: {:?}",
        member.stderr_lines()
    );
    assert!(wait_until(WAIT, || {
        try_describe(&broker, "survivors")
            .and_then(|g| stable_assignment(&g))
            .is_some_and(|owned| owned.len() == 1)
    }));
    assert!(
        member.wait_for_stderr("lost the broker", WAIT),
        "{:?}",
        member.stderr_lines()
    );
    assert_eq!(member.terminate(), Some(0));
    let committed = offsets(&describe(&broker, "survivors"));
    assert_eq!(committed[&0].0, Some(5));
    assert_eq!(committed[&1].0, Some(3));
}

#[test]
fn deleting_a_topic_deletes_its_committed_offsets_so_a_new_topic_starts_clean() {
    let mut broker = TestBroker::start(&[]);
    broker.create_topic("short-lived", 1);
    broker.create_topic("long-lived", 1);
    produce(&broker, "short-lived", 0, "old", 4);
    produce(&broker, "long-lived", 0, "x", 2);
    for (group, topic, offset) in [
        ("only-short", "short-lived", "4"),
        ("both", "short-lived", "4"),
        ("both", "long-lived", "2"),
    ] {
        broker
            .cmd()
            .args([
                "group", "commit", group, "-t", topic, "-p", "0", "--offset", offset,
            ])
            .assert()
            .success();
    }
    broker
        .cmd()
        .args(["topic", "delete", "short-lived"])
        .assert()
        .success();
    broker.restart();
    // Offsets on the deleted topic are gone (and the group with nothing else with them).
    broker
        .cmd()
        .args(["group", "describe", "only-short"])
        .assert()
        .code(4);
    let both = offsets(&describe(&broker, "both"));
    assert_eq!(both.len(), 1, "{both:?}");
    assert_eq!(both[&0], (Some(2), Some(2), Some(0)));
    // A topic created again under the name is read from its start, not from offset 4.
    broker.create_topic("short-lived", 1);
    produce(&broker, "short-lived", 0, "new", 2);
    let out = stdout_of(
        broker
            .cmd()
            .args(["consume", "-t", "short-lived", "--group", "only-short"])
            .assert()
            .success(),
    );
    assert_eq!(out, "new-0\nnew-1\n");
}
