//! Three real `flashq serve` processes on loopback ports that name each other as voters, for the
//! cluster tests.

use std::time::Duration;

use serde_json::Value;

use super::{TestBroker, json_of, wait_for_json, wait_until};

/// How long a cluster may take to elect a controller and register every broker.
pub const FORM_TIMEOUT: Duration = Duration::from_secs(20);
/// Heartbeats and the session timeout the tests run with: a dead broker is fenced within ~1.5 s.
pub const CLUSTER_FLAGS: [&str; 4] = [
    "--heartbeat-interval-ms",
    "250",
    "--broker-session-timeout-ms",
    "1500",
];

/// Three brokers that name each other as voters, each in its own temp data dir.
pub struct TestCluster {
    pub brokers: Vec<TestBroker>,
    _temp: tempfile::TempDir,
}

impl TestCluster {
    pub fn start(extra_args: &[&str]) -> TestCluster {
        Self::start_with(extra_args, false)
    }

    /// Like [`TestCluster::start`], each broker logging to `n<id>.log` beside its data dir
    /// ([`TestBroker::log`]), for tests that check what a broker reports.
    pub fn start_logging(extra_args: &[&str]) -> TestCluster {
        Self::start_with(extra_args, true)
    }

    fn start_with(extra_args: &[&str], logging: bool) -> TestCluster {
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
                let data_dir = temp.path().join(format!("n{id}"));
                match logging {
                    true => TestBroker::start_in_logging_to(
                        &data_dir,
                        &args,
                        &temp.path().join(format!("n{id}.log")),
                    ),
                    false => TestBroker::start_in(&data_dir, &args),
                }
            })
            .collect();
        TestCluster {
            brokers,
            _temp: temp,
        }
    }

    /// The broker with `id` (1-based).
    pub fn broker(&mut self, id: u64) -> &mut TestBroker {
        &mut self.brokers[id as usize - 1]
    }

    /// `flashq cluster status -o json` from broker `id`.
    pub fn status_from(&self, id: u64) -> Option<Value> {
        json_of(
            self.brokers[id as usize - 1]
                .cmd()
                .args(["cluster", "status", "-o", "json"]),
        )
    }

    /// Polls broker `id`'s status until `condition` holds on it.
    pub fn wait_for_status(
        &self,
        id: u64,
        what: &str,
        condition: impl Fn(&Value) -> bool,
    ) -> Value {
        let what = format!("{what} (status from broker {id})");
        wait_for_json(FORM_TIMEOUT, &what, || self.status_from(id), condition)
    }
}

pub fn broker_in(status: &Value, id: u64) -> Value {
    status["brokers"]
        .as_array()
        .and_then(|bs| bs.iter().find(|b| b["id"] == id).cloned())
        .unwrap_or(Value::Null)
}

pub fn alive(status: &Value, id: u64) -> bool {
    broker_in(status, id)["alive"] == true
}

/// Test-speed replication: a lagging follower leaves the ISR after 1.5 s, so an acks=all
/// produce waits at most 3 s before it fails.
pub const REPLICATION_FLAGS: [&str; 2] = ["--replica-lag-max-ms", "1500"];

impl TestCluster {
    /// `cluster partitions -o json` from broker `id`: the first partition of topic `t`.
    pub fn partition_from(&self, id: u64) -> Option<Value> {
        self.partitions_of(id, "t")?
            .into_iter()
            .find(|p| p["partition"] == 0)
    }

    pub fn wait_for_partition(
        &self,
        id: u64,
        what: &str,
        condition: impl Fn(&Value) -> bool,
    ) -> Value {
        let what = format!("{what} (partition state from broker {id})");
        wait_for_json(FORM_TIMEOUT, &what, || self.partition_from(id), condition)
    }

    /// Forms the cluster and creates topic `t`: one partition, three replicas. Returns the
    /// partition's leader.
    pub fn with_replicated_topic(&mut self) -> u64 {
        self.with_replicated_topic_configured(&[])
    }

    /// [`Self::with_replicated_topic`], with `topic_args` (settings) for `topic create`.
    pub fn with_replicated_topic_configured(&self, topic_args: &[&str]) -> u64 {
        self.wait_for_status(1, "three live brokers", |s| s["brokers_alive"] == 3);
        let created = wait_until(FORM_TIMEOUT, || {
            self.brokers[0]
                .cmd()
                .args([
                    "topic",
                    "create",
                    "t",
                    "-p",
                    "1",
                    "--replication-factor",
                    "3",
                    "--if-not-exists",
                ])
                .args(topic_args)
                .output()
                .is_ok_and(|o| o.status.success())
        });
        assert!(created, "topic t was not created");
        let partition = self.wait_for_partition(1, "t/0 led with a full ISR", |p| {
            p["leader"].is_u64() && p["isr"].as_array().is_some_and(|isr| isr.len() == 3)
        });
        partition["leader"].as_u64().unwrap()
    }

    /// Produces one record with acks=all to broker `id`; its exit code.
    pub fn produce(&self, id: u64, value: &str) -> Option<i32> {
        self.produce_to(id, "t", value)
    }

    /// Produces `count` records `<prefix>-<n>` to `t` one at a time through broker `id`, each
    /// of which must be acknowledged; returns them.
    pub fn produce_acked(&self, id: u64, prefix: &str, count: usize) -> Vec<String> {
        (0..count)
            .map(|n| {
                let value = format!("{prefix}-{n}");
                assert_eq!(
                    self.produce(id, &value),
                    Some(0),
                    "produce {value} through broker {id}"
                );
                value
            })
            .collect()
    }

    /// Produces one record to `topic` through broker `id`; its exit code.
    pub fn produce_to(&self, id: u64, topic: &str, value: &str) -> Option<i32> {
        self.brokers[id as usize - 1]
            .cmd()
            .args(["produce", "-t", topic, "--value", value])
            .output()
            .ok()
            .and_then(|o| o.status.code())
    }

    /// Every value in `t/0` as broker `id` serves it.
    pub fn values_on(&self, id: u64) -> Vec<String> {
        let output = self.brokers[id as usize - 1]
            .cmd()
            .args([
                "consume",
                "-t",
                "t",
                "--from-beginning",
                "--max",
                "100000",
                "--format",
                "%v\n",
            ])
            .timeout(Duration::from_secs(30))
            .output()
            .expect("consume");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Every value in broker `id`'s own copy of `t/0`, read from its segment files.
    pub fn values_stored_on(&self, id: u64) -> Vec<String> {
        let dir = self.brokers[id as usize - 1].data_dir.join("topics/t/0");
        let output = super::flashq_cmd()
            .args(["inspect-log", "--records", "-o", "json"])
            .arg(&dir)
            .output()
            .expect("inspect-log");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter_map(|r| r["value"].as_str().map(str::to_string))
            .collect()
    }

    pub fn end_offset_on(&self, id: u64) -> Option<u64> {
        let output = self.brokers[id as usize - 1]
            .cmd()
            .args(["topic", "describe", "t", "-o", "json"])
            .output()
            .ok()?;
        let json: Value = serde_json::from_slice(&output.stdout).ok()?;
        json["partition_details"][0]["end_offset"].as_u64()
    }
}

pub fn others(of: u64) -> Vec<u64> {
    (1..=3).filter(|id| *id != of).collect()
}

pub fn assert_all_present(acked: &[String], served: &[String], on: u64) {
    let missing: Vec<&String> = acked.iter().filter(|v| !served.contains(v)).collect();
    assert!(
        missing.is_empty(),
        "acknowledged records missing on broker {on}: {missing:?}"
    );
}

impl TestCluster {
    /// Every partition of `topic` as `cluster partitions -o json` from broker `id` shows it.
    pub fn partitions_of(&self, id: u64, topic: &str) -> Option<Vec<Value>> {
        let output = self.brokers[id as usize - 1]
            .cmd()
            .args(["cluster", "partitions", "-o", "json"])
            .output()
            .ok()?;
        let json: Value = serde_json::from_slice(&output.stdout).ok()?;
        Some(
            json["partitions"]
                .as_array()?
                .iter()
                .filter(|p| p["topic"] == topic)
                .cloned()
                .collect(),
        )
    }

    /// Forms the cluster and creates `topic` with `partitions` partitions of three replicas,
    /// each led with a full ISR. Returns each partition's leader, by partition.
    pub fn with_topic(&mut self, topic: &str, partitions: u32) -> Vec<u64> {
        self.wait_for_status(1, "three live brokers", |s| s["brokers_alive"] == 3);
        let count = partitions.to_string();
        let created = wait_until(FORM_TIMEOUT, || {
            self.brokers[0]
                .cmd()
                .args(["topic", "create", topic, "-p", &count])
                .args(["--replication-factor", "3", "--if-not-exists"])
                .output()
                .is_ok_and(|o| o.status.success())
        });
        assert!(created, "topic {topic} was not created");
        let mut last = None;
        let led = wait_until(FORM_TIMEOUT, || {
            last = self.partitions_of(1, topic);
            last.as_ref().is_some_and(|ps| {
                ps.len() == partitions as usize
                    && ps.iter().all(|p| {
                        p["leader"].is_u64() && p["isr"].as_array().is_some_and(|i| i.len() == 3)
                    })
            })
        });
        assert!(led, "{topic} not led with full ISRs: {last:?}");
        let mut placements = last.unwrap();
        placements.sort_by_key(|p| p["partition"].as_u64());
        placements
            .iter()
            .map(|p| p["leader"].as_u64().unwrap())
            .collect()
    }

    /// Waits until broker `id` names a leader for `topic`/`partition` other than `not`.
    pub fn wait_for_new_leader(&self, id: u64, topic: &str, partition: u64, not: u64) -> u64 {
        let mut leader = None;
        let moved = wait_until(FORM_TIMEOUT, || {
            leader = self.partitions_of(id, topic).and_then(|ps| {
                ps.iter()
                    .find(|p| p["partition"] == partition)
                    .and_then(|p| p["leader"].as_u64())
            });
            leader.is_some_and(|l| l != not)
        });
        assert!(moved, "{topic}/{partition} still led by {not}: {leader:?}");
        leader.unwrap()
    }
}
