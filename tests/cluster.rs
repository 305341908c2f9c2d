//! Three real `flashq serve` processes on loopback ports forming a cluster: membership,
//! liveness and `flashq cluster` reporting deaths and rejoins.

mod common;

use std::time::Duration;

use common::{TestBroker, stdout_of, wait_until};
use serde_json::Value;

/// How long a cluster may take to elect a controller and register every broker.
const FORM_TIMEOUT: Duration = Duration::from_secs(20);
/// Heartbeats and the session timeout the tests run with: a dead broker is fenced within ~1.5 s.
const CLUSTER_FLAGS: [&str; 4] = [
    "--heartbeat-interval-ms",
    "250",
    "--broker-session-timeout-ms",
    "1500",
];

/// Three brokers that name each other as voters, each in its own temp data dir.
struct TestCluster {
    brokers: Vec<TestBroker>,
    _temp: tempfile::TempDir,
}

impl TestCluster {
    fn start(extra_args: &[&str]) -> TestCluster {
        // Peers must know each other's cluster addresses before any starts: take free ports.
        let ports: Vec<u16> = (0..3)
            .map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap())
            .collect::<Vec<_>>()
            .iter()
            .map(|l| l.local_addr().unwrap().port())
            .collect();
        let peers = ports
            .iter()
            .enumerate()
            .map(|(i, port)| format!("{}=127.0.0.1:{port}", i + 1))
            .collect::<Vec<_>>()
            .join(",");
        let temp = tempfile::tempdir().unwrap();
        let brokers = ports
            .iter()
            .enumerate()
            .map(|(i, port)| {
                let id = (i + 1).to_string();
                let cluster_listen = format!("127.0.0.1:{port}");
                let mut args = vec![
                    "--node-id",
                    &id,
                    "--cluster-listen",
                    &cluster_listen,
                    "--peers",
                    &peers,
                ];
                args.extend(CLUSTER_FLAGS);
                args.extend(extra_args);
                TestBroker::start_in(&temp.path().join(format!("n{id}")), &args)
            })
            .collect();
        TestCluster {
            brokers,
            _temp: temp,
        }
    }

    /// The broker with `id` (1-based).
    fn broker(&mut self, id: u64) -> &mut TestBroker {
        &mut self.brokers[id as usize - 1]
    }

    /// `flashq cluster status -o json` from the first running broker other than `not`.
    fn status_from(&self, id: u64) -> Option<Value> {
        let broker = &self.brokers[id as usize - 1];
        let output = broker
            .cmd()
            .args(["cluster", "status", "-o", "json"])
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        serde_json::from_slice(&output.stdout).ok()
    }

    /// Polls broker `id`'s status until `condition` holds on it.
    fn wait_for_status(&self, id: u64, what: &str, condition: impl Fn(&Value) -> bool) -> Value {
        let mut last = None;
        let held = wait_until(FORM_TIMEOUT, || {
            last = self.status_from(id);
            last.as_ref().is_some_and(&condition)
        });
        assert!(held, "{what}: last status from broker {id}: {last:?}");
        last.unwrap()
    }
}

fn broker_in(status: &Value, id: u64) -> Value {
    status["brokers"]
        .as_array()
        .and_then(|bs| bs.iter().find(|b| b["id"] == id).cloned())
        .unwrap_or(Value::Null)
}

fn alive(status: &Value, id: u64) -> bool {
    broker_in(status, id)["alive"] == true
}

#[test]
fn status_shows_three_live_brokers_then_a_death_and_a_rejoin() {
    let mut cluster = TestCluster::start(&[]);
    let formed = cluster.wait_for_status(1, "three live brokers and a controller", |s| {
        s["clustered"] == true && s["brokers_alive"] == 3 && s["controller"].is_u64()
    });
    let controller = formed["controller"].as_u64().unwrap();
    let controllers = formed["brokers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["role"] == "controller")
        .count();
    assert_eq!(controllers, 1);

    // Kill the controller itself: the others elect another and mark it dead.
    cluster.broker(controller).kill();
    let survivor = if controller == 1 { 2 } else { 1 };
    let after = cluster.wait_for_status(survivor, "the killed broker marked dead", |s| {
        !alive(s, controller)
            && broker_in(s, controller)["fenced"] == true
            && s["brokers_alive"] == 2
            && s["controller"].as_u64().is_some_and(|c| c != controller)
    });
    let epoch = broker_in(&after, controller)["registration_epoch"]
        .as_u64()
        .unwrap();

    // It restarts on its data dir, registers again (a new registration epoch) and is live.
    cluster.broker(controller).start_again();
    let rejoined = cluster.wait_for_status(survivor, "the restarted broker live again", |s| {
        alive(s, controller) && s["brokers_alive"] == 3
    });
    assert_eq!(
        broker_in(&rejoined, controller)["registration_epoch"],
        epoch + 1
    );
    // And it answers with the same view, from its restored metadata log.
    cluster.wait_for_status(controller, "the rejoined broker's own view", |s| {
        s["brokers_alive"] == 3
    });
}

#[test]
fn tables_and_single_broker_answers() {
    let mut cluster = TestCluster::start(&[]);
    cluster.wait_for_status(2, "three live brokers", |s| s["brokers_alive"] == 3);
    let brokers = stdout_of(
        cluster
            .broker(2)
            .cmd()
            .args(["cluster", "brokers"])
            .assert()
            .success(),
    );
    for id in ["1", "2", "3"] {
        assert!(brokers.contains(&format!("│ {id} ")), "{brokers}");
    }
    assert!(brokers.contains("controller"), "{brokers}");
    let status = stdout_of(
        cluster
            .broker(2)
            .cmd()
            .args(["cluster", "status"])
            .assert()
            .success(),
    );
    assert!(status.contains("3/3 brokers alive"), "{status}");

    // A single broker says so, in text and JSON.
    let single = TestBroker::start(&[]);
    let text = stdout_of(single.cmd().args(["cluster", "status"]).assert().success());
    assert!(text.contains("not in a cluster"), "{text}");
    let json: Value = serde_json::from_str(&stdout_of(
        single
            .cmd()
            .args(["cluster", "status", "-o", "json"])
            .assert()
            .success(),
    ))
    .unwrap();
    assert_eq!(json["clustered"], false);
}

#[test]
fn bad_cluster_flags_are_usage_errors() {
    let temp = tempfile::tempdir().unwrap();
    let data = temp.path().to_str().unwrap();
    for args in [
        vec!["--node-id", "1"],
        vec![
            "--node-id",
            "1",
            "--cluster-listen",
            "127.0.0.1:1",
            "--peers",
            "nonsense",
        ],
        vec![
            "--node-id",
            "4",
            "--cluster-listen",
            "127.0.0.1:1",
            "--peers",
            "1=127.0.0.1:1",
        ],
        vec![
            "--node-id",
            "1",
            "--cluster-listen",
            "127.0.0.1:0",
            "--peers",
            "1=127.0.0.1:1",
        ],
        vec!["--peers", "1=127.0.0.1:1"],
    ] {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0", "--data-dir", data];
        all.extend(&args);
        common::flashq_cmd().args(&all).assert().code(2);
    }
}
