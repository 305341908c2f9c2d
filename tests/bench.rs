//! `flashq bench` runs end to end on small counts and reports every field in JSON.

mod common;

use common::{TestBroker, flashq_cmd, stdout_of};

fn report(args: &[&str]) -> serde_json::Value {
    let out = stdout_of(
        flashq_cmd()
            .arg("bench")
            .args(args)
            .args(["-o", "json"])
            .assert()
            .success(),
    );
    serde_json::from_str(out.trim()).expect("one JSON object")
}

fn assert_throughput(report: &serde_json::Value, mode: &str, records: u64) {
    assert_eq!(report["mode"], mode);
    assert_eq!(report["records"], records);
    assert_eq!(report["bytes"], records * 100);
    assert!(report["duration_s"].as_f64().unwrap() > 0.0);
    assert!(report["records_per_s"].as_f64().unwrap() > 0.0);
    assert!(report["mb_per_s"].as_f64().unwrap() > 0.0);
    assert!(report["peak_rss_kib"].as_u64().unwrap() > 0);
}

#[test]
fn produce_embedded_reports_throughput_and_latency() {
    let r = report(&[
        "produce",
        "--embedded",
        "--records",
        "3000",
        "--record-size",
        "100",
        "--batch-size",
        "500",
    ]);
    assert_throughput(&r, "produce", 3000);
    let latency = &r["latency_us"];
    for field in ["p50", "p90", "p99", "p999", "max"] {
        assert!(latency[field].as_f64().unwrap() > 0.0, "{field}");
    }
    assert!(latency["p50"].as_f64() <= latency["max"].as_f64());
}

#[test]
fn consume_fills_then_reads_every_record() {
    let r = report(&[
        "consume",
        "--embedded",
        "--records",
        "2500",
        "--partitions",
        "2",
        "--consumers",
        "2",
    ]);
    assert_throughput(&r, "consume", 2500);
}

#[test]
fn e2e_measures_every_record_at_a_rate() {
    let r = report(&["e2e", "--embedded", "--records", "400", "--rate", "4000"]);
    assert_eq!(r["records"], 400);
    assert!(r["latency_us"]["p99"].as_f64().unwrap() > 0.0);
}

#[test]
fn storage_mode_needs_no_broker() {
    let r = report(&["storage", "--records", "5000", "--fsync", "never"]);
    assert_throughput(&r, "storage", 5000);
}

#[test]
fn bench_against_a_running_broker() {
    let broker = TestBroker::start(&[]);
    let out = stdout_of(
        broker
            .cmd()
            .args([
                "bench",
                "produce",
                "--records",
                "1000",
                "--topic",
                "b",
                "-o",
                "json",
            ])
            .assert()
            .success(),
    );
    let r: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(r["records"], 1000);
    let described = stdout_of(
        broker
            .cmd()
            .args(["topic", "describe", "b", "-o", "json"])
            .assert()
            .success(),
    );
    let d: serde_json::Value = serde_json::from_str(&described).unwrap();
    assert_eq!(d["records"], 1000);
}

#[test]
fn load_delivers_every_acknowledged_record_once_and_in_order() {
    let r = report(&[
        "load",
        "--embedded",
        "--records",
        "6000",
        "--batch-size",
        "250",
        "--producers",
        "3",
        "--consumers",
        "2",
        "--partitions",
        "3",
    ]);
    assert_throughput(&r, "load", 6000);
    assert!(r.get("failure").is_none(), "{r}");
    let notes: Vec<&str> = r["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.contains(&"sent 6000, acknowledged 6000, delivered 6000, lost 0, out of order 0"),
        "{notes:?}"
    );
}

#[test]
fn load_refuses_records_too_small_to_carry_its_check() {
    flashq_cmd()
        .args(["bench", "load", "--embedded", "--record-size", "12"])
        .assert()
        .code(2);
}

/// `flashq bench produce|consume` against a cluster: each partition's batches go to its
/// leader, so a bench through any broker works however the leaders are spread (it used to fail
/// with exit 6 at the first partition another broker led).
#[test]
fn produce_and_consume_against_a_cluster_route_to_every_leader() {
    let cluster = common::cluster::TestCluster::start(&[]);
    cluster.wait_for_status(1, "three live brokers", |s| s["brokers_alive"] == 3);
    let bench = |via: usize, mode: &str| -> serde_json::Value {
        let out = stdout_of(
            cluster.brokers[via]
                .cmd()
                .args(["bench", mode, "--topic", "spread", "--partitions", "3"])
                .args(["--replication-factor", "2"])
                .args(["--records", "3000", "--batch-size", "100", "-o", "json"])
                .assert()
                .success(),
        );
        serde_json::from_str(out.trim()).expect("one JSON object")
    };
    // Through two brokers: however the three partitions' leaders are spread, at least one of
    // the two benches must send to a broker other than the one it was pointed at.
    assert_throughput(&bench(0, "produce"), "produce", 3000);
    assert_throughput(&bench(1, "produce"), "produce", 3000);
    let placed = cluster.partitions_of(1, "spread").unwrap();
    assert!(
        placed
            .iter()
            .all(|p| p["replicas"].as_array().unwrap().len() == 2),
        "{placed:?}"
    );
    let consumed = bench(2, "consume");
    assert_eq!(consumed["mode"], "consume");
    assert!(consumed["records"].as_u64().unwrap() >= 6000, "{consumed}");
}

/// `bench produce --keys N`: keyed records, each in its key's partition (where `flashq produce
/// --key` puts it), every record acknowledged.
#[test]
fn produce_with_keys_puts_each_record_in_its_keys_partition() {
    let broker = TestBroker::start(&[]);
    let out = stdout_of(
        broker
            .cmd()
            .args(["bench", "produce", "--topic", "keyed", "--partitions", "4"])
            .args([
                "--keys",
                "10",
                "--records",
                "4000",
                "--batch-size",
                "100",
                "-o",
                "json",
            ])
            .assert()
            .success(),
    );
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_throughput(&report, "produce", 4000);
    let records = stdout_of(
        broker
            .cmd()
            .args(["consume", "-t", "keyed", "--from-beginning", "-o", "json"])
            .assert()
            .success(),
    );
    let mut keys = std::collections::BTreeSet::new();
    let mut count = 0;
    for line in records.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let key = record["key"].as_str().expect("a keyed record").to_string();
        assert_eq!(
            record["partition"].as_u64().unwrap() as u32,
            flashq::protocol::partitioner::partition_for_key(key.as_bytes(), 4),
            "{key}"
        );
        keys.insert(key);
        count += 1;
    }
    assert_eq!(count, 4000);
    assert_eq!(keys.len(), 10, "{keys:?}");
}
