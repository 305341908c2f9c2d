//! Three real `flashq serve` processes on loopback ports forming a cluster: membership,
//! liveness and `flashq cluster` reporting deaths and rejoins.

mod common;

use std::time::{Duration, Instant};

use common::cluster::{
    FORM_TIMEOUT, REPLICATION_FLAGS, TestCluster, alive, assert_all_present, broker_in, others,
};
use common::{TestBroker, stdout_of, wait_until};
use serde_json::Value;

#[test]
fn status_shows_three_live_brokers_then_a_death_and_a_rejoin() {
    let mut cluster = TestCluster::start(&[]);
    let formed = cluster.wait_for_status(1, "three live brokers and a controller", |s| {
        s["clustered"] == true
            && s["brokers_alive"] == 3
            && s["controller"].is_u64()
            && s["session_lapsed"] == false
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
    // Its group coordinator slots moved to the living.
    let slots_of = |status: &Value, id: u64| {
        status["group_coordinators"].as_array().map_or(0, |slots| {
            slots.iter().filter(|c| c["broker"] == id).count()
        })
    };
    assert_eq!(slots_of(&after, controller), 0, "{after}");
    assert_eq!(
        slots_of(&after, 1) + slots_of(&after, 2) + slots_of(&after, 3),
        16
    );

    // It restarts on its data dir, registers again (a new registration epoch) and is live.
    cluster.broker(controller).start_again();
    let rejoined = cluster.wait_for_status(survivor, "the restarted broker live again", |s| {
        alive(s, controller) && s["brokers_alive"] == 3
    });
    assert_eq!(
        broker_in(&rejoined, controller)["registration_epoch"],
        epoch + 1
    );
    assert!(slots_of(&rejoined, controller) > 0, "{rejoined}");
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
        // Mutual TLS between brokers needs the certificate, its key and the CA together.
        vec![
            "--node-id",
            "1",
            "--cluster-listen",
            "127.0.0.1:1",
            "--peers",
            "1=127.0.0.1:1",
            "--cluster-tls-cert",
            "cert.pem",
        ],
    ] {
        let mut all = vec!["serve", "--listen", "127.0.0.1:0", "--data-dir", data];
        all.extend(&args);
        common::flashq_cmd().args(&all).assert().code(2);
    }
}

#[test]
fn acks_all_survives_the_leader_being_killed_and_the_old_leader_catches_up() {
    let mut cluster = TestCluster::start(&REPLICATION_FLAGS);
    let leader = cluster.with_replicated_topic();
    let mut acked = cluster.produce_acked(leader, "before", 20);

    // SIGKILL the leader: another in-sync replica leads, in a new epoch, within 10 s.
    cluster.broker(leader).kill();
    let killed_at = std::time::Instant::now();
    let survivor = others(leader)[0];
    let moved = cluster.wait_for_partition(survivor, "a new leader", |p| {
        p["leader"].as_u64().is_some_and(|l| l != leader)
    });
    assert!(
        killed_at.elapsed() < Duration::from_secs(10),
        "failover took {:?}",
        killed_at.elapsed()
    );
    let new_leader = moved["leader"].as_u64().unwrap();
    assert!(moved["leader_epoch"].as_u64().unwrap() >= 1);
    assert!(
        !moved["isr"]
            .as_array()
            .unwrap()
            .contains(&Value::from(leader))
    );
    cluster.wait_for_status(new_leader, "the killed broker reported dead", |s| {
        !alive(s, leader) && s["brokers_alive"] == 2
    });

    // Producing continues on the new leader.
    acked.extend(cluster.produce_acked(new_leader, "after", 20));
    assert_all_present(&acked, &cluster.values_on(new_leader), new_leader);

    // The killed broker restarts, rejoins, catches up and is back in the ISR.
    cluster.broker(leader).start_again();
    cluster.wait_for_partition(new_leader, "the old leader back in the ISR", |p| {
        p["isr"]
            .as_array()
            .is_some_and(|isr| isr.contains(&Value::from(leader)))
    });
    let status = cluster.wait_for_status(new_leader, "the rejoined broker reported live", |s| {
        alive(s, leader) && s["brokers_alive"] == 3 && s["under_replicated_partitions"] == 0
    });
    assert_eq!(status["offline_partitions"], 0);
    let leader_end = cluster.end_offset_on(new_leader);
    assert!(
        wait_until(FORM_TIMEOUT, || cluster.end_offset_on(leader) == leader_end),
        "the rejoined broker did not catch up to {leader_end:?}"
    );
    assert_all_present(&acked, &cluster.values_stored_on(leader), leader);
}

#[test]
fn writes_continue_without_one_follower_and_fail_unavailable_without_two() {
    let mut cluster = TestCluster::start(&REPLICATION_FLAGS);
    let leader = cluster.with_replicated_topic();
    let followers = others(leader);
    let mut acked = cluster.produce_acked(leader, "three", 10);

    // One follower down: acks=all writes go on once it has left the ISR. Until then a write
    // may time out waiting for it (UNAVAILABLE, as a Kafka producer would see NOT_ENOUGH_REPLICAS
    // or a timeout); the CLI's producer sends it again, as Kafka's does, until the ISR has shrunk.
    cluster.broker(followers[0]).kill();
    acked.extend(cluster.produce_acked(leader, "two", 10));
    let partition = cluster.wait_for_partition(leader, "the dead follower out of the ISR", |p| {
        p["isr"].as_array().is_some_and(|isr| isr.len() == 2)
    });
    assert_eq!(partition["leader"], leader);

    // Two down: no quorum for the ISR to shrink to one, so acks=all fails with UNAVAILABLE
    // (exit 8, after the producer's retries), named as such in JSON. Without a quorum the
    // leader's heartbeats are not committed either, and once its session may have lapsed it
    // suspends its leadership (a majority elsewhere could be electing another leader).
    cluster.broker(followers[1]).kill();
    let refused = cluster.brokers[leader as usize - 1]
        .cmd()
        .args(["produce", "-t", "t", "--value", "lonely", "-o", "json"])
        .assert()
        .code(8);
    let stderr = String::from_utf8_lossy(&refused.get_output().stderr).to_string();
    assert!(stderr.contains("\"unavailable\""), "{stderr}");
    assert!(
        stderr.contains("in-sync replica") || stderr.contains("session timeout"),
        "{stderr}"
    );

    // acks=1 asks only the leader, but a leader whose session lapsed acknowledges nothing: a
    // record it took alone would be lost to the leader a majority elects.
    let leader_only = cluster.brokers[leader as usize - 1]
        .cmd()
        .args([
            "produce",
            "-t",
            "t",
            "--value",
            "leader-only",
            "--acks",
            "1",
            "-o",
            "json",
        ])
        .assert()
        .code(8);
    let stderr = String::from_utf8_lossy(&leader_only.get_output().stderr).to_string();
    assert!(stderr.contains("session timeout"), "{stderr}");
    // Its metadata says so, so that clients ask another broker for leaders first.
    let status = cluster
        .status_from(leader)
        .expect("cluster status from the leader");
    assert_eq!(status["session_lapsed"], true, "{status}");

    // Nothing acknowledged with acks=all is lost, and neither the refused record nor the
    // leader-only one is served.
    let served = cluster.values_on(leader);
    assert_all_present(&acked, &served, leader);
    assert!(!served.contains(&"lonely".to_string()));
    assert!(!served.contains(&"leader-only".to_string()));
}

#[test]
fn produce_goes_to_the_leader_and_retries_through_a_failover() {
    let mut cluster = TestCluster::start(&REPLICATION_FLAGS);
    let leader = cluster.with_replicated_topic();
    let followers = others(leader);
    // Sent to a follower, the record is routed to the leader.
    assert_eq!(cluster.produce(followers[0], "routed"), Some(0));
    // A stream from stdin is routed too.
    cluster.brokers[followers[1] as usize - 1]
        .cmd()
        .args(["produce", "-t", "t"])
        .write_stdin("streamed-1\nstreamed-2\n")
        .assert()
        .success();

    // The leader dies; a produce to a survivor retries with fresh metadata until the new
    // leader takes it.
    cluster.broker(leader).kill();
    assert_eq!(cluster.produce(followers[0], "through-failover"), Some(0));
    let served = cluster.values_on(followers[1]);
    for value in ["routed", "streamed-1", "streamed-2", "through-failover"] {
        assert!(
            served.contains(&value.to_string()),
            "{value} missing: {served:?}"
        );
    }
}

/// `topic describe NAME -o json` from broker `id`.
fn describe_topic_on(cluster: &TestCluster, id: u64, name: &str) -> Option<Value> {
    common::json_of(
        cluster.brokers[id as usize - 1]
            .cmd()
            .args(["topic", "describe", name, "-o", "json"]),
    )
}

#[test]
fn topics_are_auto_created_configured_and_grown_through_the_controller() {
    let cluster = TestCluster::start(&REPLICATION_FLAGS);
    cluster.wait_for_status(1, "three live brokers", |s| s["brokers_alive"] == 3);

    // A produce to a topic nobody created creates it cluster-wide (three replicas by default).
    assert_eq!(cluster.produce_to(2, "auto", "first"), Some(0));
    for id in 1..=3 {
        let described = describe_topic_on(&cluster, id, "auto");
        assert_eq!(
            described.as_ref().map(|d| d["partitions"].clone()),
            Some(1.into()),
            "from broker {id}: {described:?}"
        );
    }

    // Settings and partition count change through the controller, on every replica.
    cluster.brokers[2]
        .cmd()
        .args(["topic", "config", "auto", "--retention", "1h", "-p", "3"])
        .assert()
        .success();
    for id in 1..=3 {
        let mut last = None;
        let applied = wait_until(FORM_TIMEOUT, || {
            last = describe_topic_on(&cluster, id, "auto");
            last.as_ref().is_some_and(|d| {
                d["retention_ms"] == 3_600_000
                    && d["partitions"] == 3
                    && d["partition_details"].as_array().map(Vec::len) == Some(3)
            })
        });
        assert!(applied, "broker {id} did not apply the change: {last:?}");
    }
    // The new partitions have leaders and take writes.
    let led = wait_until(FORM_TIMEOUT, || {
        cluster.brokers[0]
            .cmd()
            .args(["produce", "-t", "auto", "-p", "2", "--value", "grown"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    assert!(led, "partition 2 of the grown topic never took a write");
    // Shrinking is refused, as on a single broker.
    cluster.brokers[0]
        .cmd()
        .args(["topic", "config", "auto", "-p", "2"])
        .assert()
        .failure();
    // Every broker lists every topic of the cluster.
    let listed = stdout_of(
        cluster.brokers[0]
            .cmd()
            .args(["topic", "list", "-o", "json"])
            .assert()
            .success(),
    );
    assert!(listed.contains("\"auto\""), "{listed}");
}

#[test]
fn a_cluster_over_mutual_tls_forms_replicates_and_serves() {
    let pki = tempfile::tempdir().unwrap();
    let (ca, cert, key) = common::pki::broker_pki_files(pki.path());
    let mut cluster = TestCluster::start(&[
        "--cluster-tls-cert",
        cert.to_str().unwrap(),
        "--cluster-tls-key",
        key.to_str().unwrap(),
        "--cluster-tls-ca",
        ca.to_str().unwrap(),
    ]);
    // Forming, creating a replicated topic and a full ISR all go over the TLS peer links.
    let leader = cluster.with_replicated_topic();
    assert_eq!(cluster.produce(others(leader)[0], "over-tls"), Some(0));
    assert!(cluster.values_on(leader).contains(&"over-tls".to_string()));
}

/// Issue 14: pausing the Raft controller past the session timeout fenced every broker (each
/// heartbeat hung on the paused controller, with no time limit per attempt) and left the
/// partitions of healthy brokers without a leader for the rest of the pause. Only the paused
/// broker may be fenced, and the healthy brokers' partitions keep taking writes.
#[test]
fn pausing_the_controller_fences_only_the_controller() {
    let mut cluster = TestCluster::start(&REPLICATION_FLAGS);
    let leaders = cluster.with_topic("spread", 3);
    let status = cluster.wait_for_status(1, "a controller", |s| s["controller"].is_u64());
    let controller = status["controller"].as_u64().unwrap();
    let healthy = others(controller);
    let (partition, _) = leaders
        .iter()
        .enumerate()
        .find(|(_, leader)| **leader != controller)
        .expect("a partition led by a broker other than the controller");
    let partition = partition.to_string();

    cluster.broker(controller).pause();
    let paused_at = Instant::now();
    // Four session timeouts of the tests' flags: long enough for every broker to be fenced.
    let pause = Duration::from_secs(6);
    let mut fenced = Vec::new();
    let mut written_after = None;
    while paused_at.elapsed() < pause {
        if let Some(status) = cluster.status_from(healthy[0]) {
            for id in &healthy {
                if broker_in(&status, *id)["fenced"] == true {
                    fenced.push((*id, paused_at.elapsed()));
                }
            }
        }
        if written_after.is_none() && paused_at.elapsed() > Duration::from_secs(3) {
            let written = cluster.brokers[healthy[0] as usize - 1]
                .cmd()
                .args(["produce", "-t", "spread", "-p", &partition])
                .args(["--value", "during-the-pause"])
                .output()
                .is_ok_and(|o| o.status.success());
            assert!(
                written,
                "partition {partition} refused a write during the pause"
            );
            written_after = Some(paused_at.elapsed());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    cluster.broker(controller).resume();
    assert!(fenced.is_empty(), "healthy brokers were fenced: {fenced:?}");
    eprintln!(
        "a write to a healthy broker's partition was acknowledged {written_after:?} into the pause"
    );
    cluster.wait_for_status(healthy[0], "the paused controller back", |s| {
        s["brokers_alive"] == 3
    });
}

/// The byte position in an `error: corrupt data in PATH at byte N: ...` line.
fn byte_position(line: &str) -> Option<u64> {
    let (_, after) = line.split_once(" at byte ")?;
    after
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[test]
fn a_broker_with_a_damaged_raft_log_stays_out_and_says_where_while_the_others_serve() {
    let mut cluster = TestCluster::start(&REPLICATION_FLAGS);
    cluster.with_replicated_topic();
    let acked = cluster.produce_acked(1, "before", 10);
    let victim = 3;
    // Registrations, the topic, its ISR and heartbeats (each one entry, one frame): let the log
    // grow to many frames, so a byte flipped in its middle is far from the last one.
    let cluster_dir = cluster.broker(victim).data_dir.join("cluster");
    let log = cluster_dir.join("raft.log");
    let grown = wait_until(FORM_TIMEOUT, || {
        std::fs::metadata(&log).is_ok_and(|m| m.len() >= 8192)
    });
    assert!(grown, "raft.log stayed under 8 KiB");
    assert_eq!(cluster.broker(victim).stop(), Some(0));
    let mut bytes = std::fs::read(&log).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    std::fs::write(&log, &bytes).unwrap();

    let output = cluster.broker(victim).serve_cmd().output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line in {stderr}"));
    assert!(error.contains("raft.log"), "{error}");
    let position = byte_position(error).unwrap_or_else(|| panic!("no byte position: {error}"));
    assert!(
        position > 8 && position <= middle as u64,
        "{error} (flipped byte {middle})"
    );
    assert_eq!(
        std::fs::read(&log).unwrap(),
        bytes,
        "the damaged log was changed"
    );

    // The other two still serve every acknowledged record, and take new ones once the
    // missing broker has left the ISR.
    for id in others(victim) {
        assert_all_present(&acked, &cluster.values_on(id), id);
    }
    let mut acked = acked;
    acked.extend(cluster.produce_acked(1, "after", 3));
    for id in others(victim) {
        assert_all_present(&acked, &cluster.values_on(id), id);
    }

    // The operator's way back (docs/cluster.md, "Damaged metadata"): with the others healthy,
    // replace the broker's Raft files with copies of the controller's; it rejoins and catches up.
    let controller = cluster.status_from(1).unwrap()["controller"]
        .as_u64()
        .unwrap();
    let source = cluster.broker(controller).data_dir.join("cluster");
    for name in ["raft.log", "vote.json", "snapshot.json"] {
        let _ = std::fs::remove_file(cluster_dir.join(name));
        if source.join(name).exists() {
            std::fs::copy(source.join(name), cluster_dir.join(name)).unwrap();
        }
    }
    cluster.broker(victim).start_again();
    cluster.wait_for_status(1, "the broker back and alive", |s| {
        s["brokers_alive"] == 3 && alive(s, victim)
    });
    // Every voter's Raft still works (a follower whose log went backwards would have stopped
    // the leader's): a metadata change made through the returned broker is applied on all three.
    let created = cluster
        .broker(victim)
        .cmd()
        .args(["topic", "create", "after-recovery", "-p", "1"])
        .args(["--replication-factor", "3"])
        .output()
        .unwrap();
    assert!(created.status.success(), "{created:?}");
    for id in 1..=3 {
        let applied = wait_until(FORM_TIMEOUT, || {
            cluster
                .partitions_of(id, "after-recovery")
                .is_some_and(|ps| ps.len() == 1)
        });
        assert!(applied, "broker {id} never applied the new topic");
    }
    acked.extend(cluster.produce_acked(1, "rejoined", 3));
    let mut served = Vec::new();
    let caught_up = wait_until(FORM_TIMEOUT, || {
        served = cluster.values_on(victim);
        acked.iter().all(|v| served.contains(v))
    });
    assert!(
        caught_up,
        "broker {victim} serves {served:?}, acked {acked:?}"
    );
}
