//! Bad input gets a clear error and a distinct exit code, and stores nothing.

mod common;

use std::time::{Duration, Instant};

use common::{TestBroker, flashq_cmd, stdout_of};
use predicates::prelude::*;

#[test]
fn invalid_topic_names_are_rejected_before_they_reach_a_path() {
    let broker = TestBroker::start(&[]);
    for name in [
        "../escaped-topic",
        "a/b",
        "..",
        "with space",
        &"x".repeat(250),
    ] {
        broker
            .cmd()
            .args(["topic", "create", name])
            .assert()
            .code(5)
            .stderr(predicate::str::contains("topic name"));
        broker
            .cmd()
            .args(["produce", "-t", name, "--value", "v"])
            .assert()
            .code(5);
    }
    let parent = broker.data_dir.parent().unwrap();
    assert!(!parent.join("escaped-topic").exists());
    assert!(!broker.data_dir.join("escaped-topic").exists());
    let out = stdout_of(
        broker
            .cmd()
            .args(["topic", "list", "-o", "json"])
            .assert()
            .success(),
    );
    assert_eq!(out, "[]\n");
}

#[test]
fn unknown_topic_with_auto_create_off_is_not_found() {
    let broker = TestBroker::start(&["--no-auto-create-topics"]);
    broker
        .cmd()
        .args(["produce", "-t", "missing", "--value", "v"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("\"missing\" does not exist"));
    broker
        .cmd()
        .args(["consume", "-t", "missing"])
        .assert()
        .code(4);
    broker
        .cmd()
        .args(["consume", "-t", "missing", "-o", "json"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("\"code\":\"not_found\""));
}

#[test]
fn oversized_records_are_rejected_and_nothing_is_stored() {
    let broker = TestBroker::start(&["--max-record-bytes", "1000"]);
    let big = "x".repeat(1001);
    // The oversized record is last, so a partial store would show.
    let input = format!("small\n{big}\n");
    broker
        .cmd()
        .args(["produce", "-t", "limits"])
        .write_stdin(input)
        .assert()
        .code(5)
        .stderr(predicate::str::contains(
            "1001 bytes, over the limit of 1000",
        ));
    let out = stdout_of(
        broker
            .cmd()
            .args(["topic", "describe", "limits", "-o", "json"])
            .assert()
            .success(),
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["records"], 0);
}

#[test]
fn a_malformed_ndjson_line_is_named() {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["produce", "-t", "nd", "--input", "json"])
        .write_stdin("{\"value\":\"ok\"}\n{\"value\": oops}\n{\"value\":\"never\"}\n")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("line 2"));
    broker
        .cmd()
        .args(["produce", "-t", "nd", "--input", "json"])
        .write_stdin("{\"vaule\":\"typo\"}\n")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("line 1").and(predicate::str::contains("vaule")));
    // Records before the bad line were sent; the one after it never was.
    let out = stdout_of(
        broker
            .cmd()
            .args(["consume", "-t", "nd"])
            .assert()
            .success(),
    );
    assert_eq!(out, "ok\n");
}

#[test]
fn an_unreachable_broker_fails_fast_with_its_address() {
    // Bind then drop a listener: the port is free and nothing answers there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let address = format!("127.0.0.1:{port}");
    let started = Instant::now();
    flashq_cmd()
        .args(["--broker", &address, "topic", "list"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains(address.as_str()));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn usage_errors_exit_2() {
    flashq_cmd()
        .args(["produce", "--no-such-flag"])
        .assert()
        .code(2);
    flashq_cmd().args(["no-such-command"]).assert().code(2);
    flashq_cmd()
        .args(["consume", "-t", "x", "--offset", "1", "--from-end"])
        .assert()
        .code(2);
}

#[test]
fn a_second_broker_on_the_same_data_dir_fails_at_once() {
    let broker = TestBroker::start(&[]);
    flashq_cmd()
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&broker.data_dir)
        .assert()
        .code(6)
        .stderr(predicate::str::contains("in use"));
}

#[test]
fn out_of_range_partitions_are_not_found() {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["topic", "create", "p2", "-p", "2"])
        .assert()
        .success();
    broker
        .cmd()
        .args(["produce", "-t", "p2", "--partition", "5", "--value", "v"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("no partition 5"));
    broker
        .cmd()
        .args(["consume", "-t", "p2", "--partition", "2"])
        .assert()
        .code(4);
}
