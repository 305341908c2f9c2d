//! `flashq subscribe`: records pushed as they are appended, in order, across broker restarts.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{RunningCommand, TestBroker, wait_until};

const WAIT: Duration = Duration::from_secs(30);

fn produce(broker: &TestBroker, topic: &str, lines: &str) -> bool {
    broker
        .cmd()
        .args(["produce", "-t", topic, "-q"])
        .write_stdin(lines)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn a_subscriber_gets_every_new_record_in_order_per_partition() {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["topic", "create", "live", "-p", "3"])
        .assert()
        .success();
    produce(&broker, "live", "old-1\nold-2\n");
    let subscriber = RunningCommand::start(
        &broker.address,
        &["subscribe", "-t", "live", "--format", "%p %k %v\\n"],
    );
    assert!(subscriber.wait_for_stderr("subscribed", WAIT));
    let lines: String = (0..60).map(|i| format!("k{}:{i}\n", i % 7)).collect();
    assert!(produce(&broker, "live", &"unkeyed\n".repeat(60)));
    broker
        .cmd()
        .args(["produce", "-t", "live", "-q", "--key-separator", ":"])
        .write_stdin(lines)
        .assert()
        .success();
    assert!(wait_until(WAIT, || subscriber.stdout_lines().len() >= 120));
    let received = subscriber.stdout_lines();
    // Nothing from before the subscription; the keyless batch and the keyed records all arrive.
    assert!(received.iter().all(|l| !l.contains("old-")));
    let keyed: Vec<(u32, String, u32)> = received
        .iter()
        .filter_map(|l| {
            let mut parts = l.split(' ');
            let p = parts.next()?.parse().ok()?;
            let k = parts.next()?.to_string();
            let v = parts.next()?.parse().ok()?;
            (!k.is_empty()).then_some((p, k, v))
        })
        .collect();
    assert_eq!(keyed.len(), 60);
    // Per partition, values arrive in the order they were produced.
    for partition in 0..3 {
        let values: Vec<u32> = keyed
            .iter()
            .filter(|r| r.0 == partition)
            .map(|r| r.2)
            .collect();
        let mut sorted = values.clone();
        sorted.sort();
        assert_eq!(values, sorted, "partition {partition} out of order");
    }
    let distinct: BTreeSet<u32> = keyed.iter().map(|r| r.2).collect();
    assert_eq!(distinct.len(), 60);
}

#[test]
fn max_exits_after_n_records_and_sigterm_exits_0() {
    let broker = TestBroker::start(&[]);
    produce(&broker, "m", "a\nb\nc\nd\n");
    let mut bounded = RunningCommand::start(
        &broker.address,
        &["subscribe", "-t", "m", "--from-beginning", "--max", "3"],
    );
    assert_eq!(bounded.wait(WAIT), Some(0));
    assert_eq!(bounded.stdout_lines(), ["a", "b", "c"]);

    let mut open_ended = RunningCommand::start(&broker.address, &["subscribe", "-t", "m"]);
    assert!(open_ended.wait_for_stderr("subscribed", WAIT));
    assert_eq!(open_ended.terminate(), Some(0));
}

#[test]
fn a_subscriber_resumes_after_the_broker_is_killed_and_restarted() {
    let mut broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["topic", "create", "resume", "-p", "2"])
        .assert()
        .success();
    let subscriber = RunningCommand::start(
        &broker.address,
        &["subscribe", "-t", "resume", "--format", "%v\\n"],
    );
    assert!(subscriber.wait_for_stderr("subscribed", WAIT));
    let mut produced = BTreeSet::new();
    for round in 0..20 {
        if round == 10 {
            broker.crash_and_restart_on_same_address();
        }
        let lines: Vec<String> = (0..25).map(|i| format!("r{round}-{i}")).collect();
        // A produce that fails (or whose ack is lost) is retried: duplicates are allowed, loss is not.
        assert!(
            wait_until(WAIT, || produce(
                &broker,
                "resume",
                &(lines.join("\n") + "\n")
            )),
            "round {round} could not be produced"
        );
        produced.extend(lines);
    }
    assert!(
        wait_until(WAIT, || {
            let received: BTreeSet<String> = subscriber.stdout_lines().into_iter().collect();
            received == produced
        }),
        "received {} of {} distinct records; stderr: {:?}",
        subscriber
            .stdout_lines()
            .into_iter()
            .collect::<BTreeSet<_>>()
            .len(),
        produced.len(),
        subscriber.stderr_lines()
    );
    assert!(subscriber.wait_for_stderr("reconnected", WAIT));
}

#[test]
fn subscribing_to_a_missing_topic_is_not_found() {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["subscribe", "-t", "absent"])
        .assert()
        .code(4);
}
