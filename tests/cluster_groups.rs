//! Consumer groups in a three-broker cluster: a coordinator per group, committed offsets that
//! survive the coordinator's death, and members that follow the group to its new coordinator.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::cluster::{FORM_TIMEOUT, REPLICATION_FLAGS, TestCluster, others};
use common::{RunningCommand, json_of, wait_until};
use serde_json::Value;

const TOPIC: &str = "events";
const PARTITIONS: u32 = 3;
const RECORDS_PER_PARTITION: u32 = 10;

/// Forms the cluster, creates `events` (3 partitions, 3 replicas, every ISR full) and writes
/// `p<partition>-<n>` records to each partition. Returns every value written.
fn cluster_with_events() -> (TestCluster, Vec<String>) {
    let mut cluster = TestCluster::start(&REPLICATION_FLAGS);
    cluster.with_topic(TOPIC, PARTITIONS);
    let mut written = Vec::new();
    for partition in 0..PARTITIONS {
        let values: Vec<String> = (0..RECORDS_PER_PARTITION)
            .map(|n| format!("p{partition}-{n}"))
            .collect();
        cluster.brokers[0]
            .cmd()
            .args(["produce", "-t", TOPIC, "-p", &partition.to_string()])
            .write_stdin(values.join("\n") + "\n")
            .assert()
            .success();
        written.extend(values);
    }
    (cluster, written)
}

/// `group describe GROUP -o json` as broker `id` answers it (routed to the coordinator).
fn describe_from(cluster: &TestCluster, id: u64, group: &str) -> Option<Value> {
    json_of(
        cluster.brokers[id as usize - 1]
            .cmd()
            .args(["group", "describe", group, "-o", "json"]),
    )
}

/// The sum of a group's committed offsets on `events`.
fn committed_total(described: &Value) -> u64 {
    described["partitions"].as_array().map_or(0, |ps| {
        ps.iter()
            .filter(|p| p["topic"] == TOPIC)
            .filter_map(|p| p["committed_offset"].as_u64())
            .sum()
    })
}

/// Reads up to `max` records as a member of `group` through broker `id`; the values printed.
fn consume_in_group(cluster: &TestCluster, id: u64, group: &str, max: u32) -> Vec<String> {
    let output = cluster.brokers[id as usize - 1]
        .cmd()
        // --follow: a broker that follows a partition learns how far it may serve a moment after
        // the leader; following, the member waits for that instead of stopping at the end.
        .args(["consume", "-t", TOPIC, "--group", group, "--follow"])
        .args(["--max", &max.to_string(), "--format", "%v\n"])
        .timeout(Duration::from_secs(60))
        .output()
        .expect("consume");
    assert!(
        output.status.success(),
        "consume --group {group} through broker {id} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

/// A group name whose coordinator slot prefers another broker than `broker`: slots are spread
/// over brokers 1, 2, 3 by slot number, and groups hash to slots as Kafka's partitioner does.
fn group_not_coordinated_by(broker: u64) -> String {
    (0..)
        .map(|n| format!("live-{n}"))
        .find(|name| {
            let slot = flashq::protocol::partitioner::partition_for_key(name.as_bytes(), 16);
            u64::from(slot % 3) + 1 != broker
        })
        .unwrap()
}

#[test]
fn committed_offsets_outlive_the_group_coordinator() {
    let (mut cluster, written) = cluster_with_events();
    let half = PARTITIONS * RECORDS_PER_PARTITION / 2;
    let first = consume_in_group(&cluster, 1, "readers", half);
    assert_eq!(first.len(), half as usize, "{first:?}");

    // Every broker routes `group describe` to the one coordinator, which has the commit.
    let described = describe_from(&cluster, 2, "readers").expect("describe readers");
    let coordinator = described["coordinator"]
        .as_u64()
        .unwrap_or_else(|| panic!("no coordinator in {described}"));
    assert_eq!(committed_total(&described), u64::from(half), "{described}");
    for id in 1..=3 {
        let seen = describe_from(&cluster, id, "readers").expect("describe");
        assert_eq!(seen["coordinator"], coordinator, "from broker {id}: {seen}");
    }
    // Every broker's `group list` (which asks them all) names it.
    for id in 1..=3 {
        let listed = json_of(
            cluster.brokers[id as usize - 1]
                .cmd()
                .args(["group", "list", "-o", "json"]),
        );
        let names: Vec<&str> = listed
            .as_ref()
            .and_then(Value::as_array)
            .map(|gs| gs.iter().filter_map(|g| g["group"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, ["readers"], "from broker {id}: {listed:?}");
    }

    // The coordinator dies: another broker takes the group over, with its offsets.
    cluster.broker(coordinator).kill();
    let survivor = others(coordinator)[0];
    let mut last = None;
    let moved = wait_until(FORM_TIMEOUT, || {
        last = describe_from(&cluster, survivor, "readers");
        last.as_ref()
            .is_some_and(|d| d["coordinator"].as_u64().is_some_and(|c| c != coordinator))
    });
    assert!(
        moved,
        "the group never moved off broker {coordinator}: {last:?}"
    );
    let described = last.unwrap();
    assert_eq!(committed_total(&described), u64::from(half), "{described}");

    // The group goes on from its committed offsets: the rest, nothing twice.
    let rest = consume_in_group(&cluster, survivor, "readers", half);
    let read: Vec<String> = first.iter().chain(&rest).cloned().collect();
    let distinct: BTreeSet<&String> = read.iter().collect();
    assert_eq!(distinct.len(), read.len(), "read twice: {read:?}");
    assert_eq!(
        distinct,
        written.iter().collect::<BTreeSet<_>>(),
        "not every record was read once"
    );

    // The old coordinator returns, takes its groups back, and serves the same offsets.
    cluster.broker(coordinator).start_again();
    let mut last = None;
    let back = wait_until(FORM_TIMEOUT, || {
        last = describe_from(&cluster, survivor, "readers");
        last.as_ref().is_some_and(|d| {
            d["coordinator"] == coordinator && committed_total(d) == u64::from(2 * half)
        })
    });
    assert!(
        back,
        "broker {coordinator} did not take the group back: {last:?}"
    );
}

#[test]
fn a_following_member_moves_with_its_group_to_the_new_coordinator() {
    let (mut cluster, written) = cluster_with_events();
    // A member that stays up, reading through broker 1, in a group another broker coordinates
    // (killing broker 1 would test the loss of the member's own broker, not a coordinator move).
    let group = group_not_coordinated_by(1);
    let member = RunningCommand::start(
        &cluster.brokers[0].address,
        &[
            "consume", "-t", TOPIC, "--group", &group, "--follow", "--format", "%v\n",
        ],
    );
    let all_read = |member: &RunningCommand, values: &[String]| {
        let lines = member.stdout_lines();
        values.iter().all(|v| lines.contains(v))
    };
    assert!(
        wait_until(FORM_TIMEOUT, || all_read(&member, &written)),
        "the member did not read the first records: {:?}",
        member.stderr_lines()
    );
    let described = describe_from(&cluster, 1, &group).expect("describe the group");
    let coordinator = described["coordinator"].as_u64().expect("coordinator");
    assert_ne!(coordinator, 1, "{described}");
    assert_eq!(described["members"].as_array().map(Vec::len), Some(1));
    // Only the coordinator knows the member; `group list` through broker 1 asks every broker.
    let listed = json_of(
        cluster.brokers[0]
            .cmd()
            .args(["group", "list", "-o", "json"]),
    );
    let members = listed.as_ref().and_then(Value::as_array).and_then(|gs| {
        gs.iter()
            .find(|g| g["group"] == group.as_str())
            .map(|g| g["members"].clone())
    });
    assert_eq!(members, Some(1.into()), "{listed:?}");

    // Kill the coordinator; the member finds the new one, joins it and reads what comes next.
    cluster.broker(coordinator).kill();
    let survivor = 1;
    let mut last = None;
    let rejoined = wait_until(FORM_TIMEOUT, || {
        last = describe_from(&cluster, survivor, &group);
        last.as_ref().is_some_and(|d| {
            d["coordinator"].as_u64().is_some_and(|c| c != coordinator)
                && d["members"].as_array().map(Vec::len) == Some(1)
                && d["state"] == "Stable"
        })
    });
    assert!(
        rejoined,
        "the member never joined the new coordinator: {last:?}; member stderr: {:?}",
        member.stderr_lines()
    );
    let later: Vec<String> = (0..5).map(|n| format!("later-{n}")).collect();
    cluster.brokers[survivor as usize - 1]
        .cmd()
        .args(["produce", "-t", TOPIC, "-p", "0"])
        .write_stdin(later.join("\n") + "\n")
        .assert()
        .success();
    assert!(
        wait_until(FORM_TIMEOUT, || all_read(&member, &later)),
        "the member stopped reading after the move: {:?}; stderr: {:?}",
        member.stdout_lines(),
        member.stderr_lines()
    );
}

#[test]
fn describe_and_reset_work_for_partitions_the_coordinator_holds_no_replica_of() {
    let cluster = TestCluster::start(&REPLICATION_FLAGS);
    cluster.wait_for_status(1, "three live brokers", |s| s["brokers_alive"] == 3);
    // One replica per partition, each on another broker: the coordinator holds at most one.
    cluster.brokers[0]
        .cmd()
        .args([
            "topic",
            "create",
            "solo",
            "-p",
            "3",
            "--replication-factor",
            "1",
        ])
        .assert()
        .success();
    for partition in 0..3 {
        cluster.brokers[0]
            .cmd()
            .args(["produce", "-t", "solo", "-p", &partition.to_string()])
            .write_stdin("a\nb\nc\nd\ne\n")
            .assert()
            .success();
    }
    cluster.brokers[0]
        .cmd()
        .args(["consume", "-t", "solo", "--group", "lagging", "--max", "15"])
        .assert()
        .success();
    cluster.brokers[0]
        .cmd()
        .args(["produce", "-t", "solo", "-p", "1", "--value", "late"])
        .assert()
        .success();
    let described = describe_from(&cluster, 2, "lagging").expect("describe lagging");
    let partitions = described["partitions"].as_array().expect("partitions");
    assert_eq!(partitions.len(), 3, "{described}");
    for p in partitions {
        let late = u64::from(p["partition"] == 1);
        assert_eq!(p["log_end_offset"], 5 + late, "{p}");
        assert_eq!(p["lag"], late, "{p}");
    }

    // Resets read each partition's bounds at its leader, wherever the coordinator is.
    for (flag, expected) in [("--to-earliest", [0, 0, 0]), ("--to-latest", [5, 6, 5])] {
        let plan: Value = serde_json::from_slice(
            &cluster.brokers[2]
                .cmd()
                .args(["group", "reset-offsets", "lagging", "-t", "solo", flag])
                .args(["--execute", "-o", "json"])
                .output()
                .unwrap()
                .stdout,
        )
        .unwrap_or(Value::Null);
        let planned: Vec<u64> = plan["plan"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["new_offset"].as_u64()).collect())
            .unwrap_or_default();
        assert_eq!(planned, expected, "{flag}: {plan}");
        let committed: Vec<u64> =
            describe_from(&cluster, 1, "lagging").expect("describe")["partitions"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p["committed_offset"].as_u64())
                .collect();
        assert_eq!(committed, expected, "{flag} committed");
    }
}
