//! `serve --metrics-listen`: a scrape over plain HTTP on 127.0.0.1 parses as the exposition
//! format and its counters rise with traffic; `--log-format json` makes every stderr line JSON.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{RunningCommand, flashq_cmd, wait_until};

const START_TIMEOUT: Duration = Duration::from_secs(20);

/// A broker on memory storage with its metrics endpoint; returns (it, gRPC address, metrics address).
fn start_with_metrics() -> (RunningCommand, String, String) {
    let broker = RunningCommand::start(
        "unused",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--storage",
            "memory",
            "--metrics-listen",
            "127.0.0.1:0",
        ],
    );
    assert!(
        broker.wait_for_stderr("metrics on http://", START_TIMEOUT),
        "no metrics notice: {:?}",
        broker.stderr_lines()
    );
    assert!(wait_until(START_TIMEOUT, || !broker
        .stdout_lines()
        .is_empty()));
    let address = broker.stdout_lines()[0].clone();
    let metrics = broker
        .stderr_lines()
        .iter()
        .find_map(|l| {
            l.split("metrics on http://")
                .nth(1)
                .map(|rest| rest.trim_end_matches("/metrics").to_string())
        })
        .expect("metrics address");
    (broker, address, metrics)
}

/// A plain HTTP/1.1 GET; returns (status code, headers, body).
fn http_get(address: &str, path: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(address).expect("connect to metrics endpoint");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let (head, body) = response.split_once("\r\n\r\n").expect("headers end");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status code");
    (status, head.to_string(), body.to_string())
}

/// Parses exposition text strictly enough to catch a broken encoder: every sample line is
/// `name{labels} value`, and every sample belongs to a family declared by `# TYPE`.
/// Returns the samples keyed by `name{labels}`.
fn parse_exposition(text: &str) -> BTreeMap<String, f64> {
    let mut families: HashMap<String, String> = HashMap::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            match words.next() {
                Some("TYPE") => {
                    let name = words.next().expect("TYPE names a metric");
                    let kind = words.next().expect("TYPE gives a kind");
                    assert!(
                        [
                            "counter",
                            "gauge",
                            "histogram",
                            "summary",
                            "info",
                            "unknown",
                            "stateset",
                            "gaugehistogram"
                        ]
                        .contains(&kind),
                        "unknown type in {line:?}"
                    );
                    families.insert(name.to_string(), kind.to_string());
                }
                Some("HELP") | Some("UNIT") | Some("EOF") => {}
                _ => panic!("unexpected comment line {line:?}"),
            }
            continue;
        }
        assert!(!line.trim().is_empty(), "blank line in exposition");
        let (series, value) = match line.find('}') {
            Some(end) => {
                let (series, rest) = line.split_at(end + 1);
                (series.to_string(), rest.trim())
            }
            None => {
                let (series, rest) = line.split_once(' ').expect("name and value");
                (series.to_string(), rest.trim())
            }
        };
        let name = series.split('{').next().unwrap();
        assert!(
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad metric name in {line:?}"
        );
        if let Some(labels) = series.strip_prefix(name).and_then(|l| l.strip_prefix('{')) {
            let labels = labels.strip_suffix('}').expect("labels close");
            for pair in labels.split("\",").filter(|p| !p.is_empty()) {
                let (key, value) = pair.split_once('=').expect("label is key=value");
                assert!(
                    !key.is_empty() && value.starts_with('"'),
                    "bad label {pair:?}"
                );
            }
        }
        // A value, optionally followed by a timestamp.
        let value_text = value.split_whitespace().next().expect("a value");
        let value: f64 = match value_text {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            text => text
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        let family = ["_total", "_bucket", "_count", "_sum", "_created", "_info"]
            .iter()
            .find_map(|suffix| {
                name.strip_suffix(suffix)
                    .filter(|base| families.contains_key(*base))
            })
            .unwrap_or(name);
        assert!(
            families.contains_key(family),
            "sample {name} has no # TYPE line"
        );
        samples.insert(series, value);
    }
    samples
}

fn scrape(metrics: &str) -> BTreeMap<String, f64> {
    let (status, head, body) = http_get(metrics, "/metrics");
    assert_eq!(status, 200, "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/openmetrics-text"),
        "{head}"
    );
    assert!(
        body.trim_end().ends_with("# EOF"),
        "OpenMetrics ends with # EOF"
    );
    parse_exposition(&body)
}

fn sample(samples: &BTreeMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

#[test]
fn metrics_endpoint_parses_and_counters_rise_with_traffic() {
    let (mut broker, address, metrics) = start_with_metrics();

    let before = scrape(&metrics);
    for family in [
        "flashq_topics",
        "flashq_partitions",
        "flashq_stored_bytes",
        "flashq_fetches_waiting",
        "flashq_append_duration_seconds_count",
    ] {
        assert!(before.contains_key(family), "{family} missing: {before:?}");
    }
    assert_eq!(sample(&before, "flashq_records_in_total{topic=\"m\"}"), 0.0);

    flashq_cmd()
        .env("FLASHQ_BROKER", &address)
        .args(["topic", "create", "m", "--partitions", "3"])
        .assert()
        .success();
    flashq_cmd()
        .env("FLASHQ_BROKER", &address)
        .args(["produce", "--topic", "m"])
        .write_stdin("one\ntwo\nthree\n")
        .assert()
        .success();
    flashq_cmd()
        .env("FLASHQ_BROKER", &address)
        .args(["consume", "--topic", "m", "--from-beginning"])
        .assert()
        .success();

    let after = scrape(&metrics);
    assert_eq!(sample(&after, "flashq_records_in_total{topic=\"m\"}"), 3.0);
    assert!(sample(&after, "flashq_bytes_in_total{topic=\"m\"}") >= 11.0);
    assert_eq!(sample(&after, "flashq_records_out_total{topic=\"m\"}"), 3.0);
    assert!(sample(&after, "flashq_bytes_out_total{topic=\"m\"}") >= 11.0);
    assert_eq!(sample(&after, "flashq_topics"), 1.0);
    assert_eq!(sample(&after, "flashq_partitions"), 3.0);
    assert!(sample(&after, "flashq_stored_bytes") > 0.0);
    assert!(
        sample(&after, "flashq_append_duration_seconds_count")
            > sample(&before, "flashq_append_duration_seconds_count")
    );
    let rpc_count: f64 = after
        .iter()
        .filter(|(k, _)| {
            k.starts_with("flashq_rpc_duration_seconds_count{") && k.contains("/flashq.v1.Produce/")
        })
        .map(|(_, v)| v)
        .sum();
    assert!(rpc_count >= 1.0, "no produce RPC timed: {after:?}");
    assert!(
        after.contains_key(
            "flashq_rpc_duration_seconds_count{method=\"/flashq.v1.Admin/CreateTopic\"}"
        ),
        "{after:?}"
    );

    // A group that committed offset 0 on partition 0: its lag is that partition's records.
    flashq_cmd()
        .env("FLASHQ_BROKER", &address)
        .args([
            "group", "commit", "readers", "-t", "m", "-p", "0", "--offset", "0",
        ])
        .assert()
        .success();
    let with_group = scrape(&metrics);
    let partition_0 = flashq_cmd()
        .env("FLASHQ_BROKER", &address)
        .args(["consume", "-t", "m", "-p", "0", "--from-beginning"])
        .assert()
        .success();
    let records_in_0 = common::stdout_of(partition_0).lines().count() as f64;
    let lag_series = "flashq_group_lag{group=\"readers\",topic=\"m\",partition=\"0\"}";
    assert_eq!(
        with_group.get(lag_series).copied(),
        Some(records_in_0),
        "{with_group:?}"
    );
    assert!(
        with_group.contains_key("flashq_group_members{group=\"readers\"}"),
        "{with_group:?}"
    );
    // A deleted group's series go away.
    flashq_cmd()
        .env("FLASHQ_BROKER", &address)
        .args(["group", "delete", "readers"])
        .assert()
        .success();
    let without_group = scrape(&metrics);
    assert!(
        !without_group.keys().any(|k| k.contains("readers")),
        "{without_group:?}"
    );

    let (status, _, _) = http_get(&metrics, "/nothing-here");
    assert_eq!(status, 404);

    // SIGTERM stops the metrics endpoint with the broker: a clean exit.
    assert_eq!(broker.terminate(), Some(0));
}

#[test]
fn json_log_format_makes_every_stderr_line_a_json_object() {
    let mut broker = RunningCommand::start(
        "unused",
        &[
            "--log-format",
            "json",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--storage",
            "memory",
        ],
    );
    assert!(broker.wait_for_stderr("serving on", START_TIMEOUT));
    assert_eq!(broker.terminate(), Some(0));
    let lines = broker.stderr_lines();
    assert!(lines.len() >= 2, "{lines:?}");
    for line in &lines {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(value.get("level").is_some(), "{line}");
        assert!(value.get("timestamp").is_some(), "{line}");
    }
}
