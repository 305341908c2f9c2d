//! Disk faults on one broker of three (issue 14): a flipped byte or a cut in a segment, its
//! indexes, the leader-epoch histories and the Raft files, and a power loss that takes the
//! writes after the last fsync. Each test runs three real `flashq serve` processes (RF=3,
//! acks=all), damages one broker's files while it is down (or under it while it leads), and
//! checks that the broker names the damaged file and byte, that no broker ever serves a record
//! that was not acknowledged at that offset, and that once it has rejoined every broker holds
//! exactly the acknowledged records at the same offsets.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::cluster::{FORM_TIMEOUT, REPLICATION_FLAGS, TestCluster, alive, others};
use common::{flashq_cmd, flip_middle, wait_until};
use flashq::client::{Client, Offset};

/// Small segments, so a few hundred records make several closed ones, each with index entries
/// (one per 4 KiB of batches).
const SEGMENT_BYTES: &str = "16384";
/// How long a rejoining broker may take to copy back what it dropped.
const CATCH_UP_TIMEOUT: Duration = Duration::from_secs(20);

/// What producers were told: the value acknowledged at each offset, and every value sent. A
/// produce that failed (an `acks=all` wait that timed out while the ISR shrank) and was retried
/// may be stored too, at another offset: at-least-once, like Kafka's producer without
/// idempotence. It is never wrong, so the checks allow it; corrupt or misplaced records they do
/// not.
#[derive(Default)]
struct Acked {
    at: BTreeMap<u64, String>,
    sent: HashSet<String>,
}

impl Acked {
    fn new() -> Acked {
        Acked::default()
    }

    fn len(&self) -> usize {
        self.at.len()
    }

    /// Fails the test unless `record` is the one acknowledged at its offset, or (at an offset
    /// nothing was acknowledged at) a record that was sent.
    fn check(&self, (offset, value): &(u64, String), from: &str) {
        match self.at.get(offset) {
            Some(acked) => assert_eq!(
                acked, value,
                "{from} served another record at offset {offset} than the one acknowledged there"
            ),
            None => assert!(
                self.sent.contains(value),
                "{from} served a record at offset {offset} that nobody sent: {value:?}"
            ),
        }
    }

    /// True when `records` hold every acknowledged record at its offset.
    fn all_in(&self, records: &[(u64, String)]) -> bool {
        let served: BTreeMap<u64, &String> = records.iter().map(|(o, v)| (*o, v)).collect();
        self.at.iter().all(|(o, v)| served.get(o) == Some(&v))
    }
}

/// Forms the cluster and creates `t` (one partition, three replicas, small segments); returns
/// its leader.
fn cluster_with_topic(extra_args: &[&str]) -> (TestCluster, u64) {
    let mut args = REPLICATION_FLAGS.to_vec();
    args.extend(extra_args);
    let cluster = TestCluster::start_logging(&args);
    let leader = cluster.with_replicated_topic_configured(&["--segment-bytes", SEGMENT_BYTES]);
    (cluster, leader)
}

/// Produces `count` records `<prefix>-<n>` (padded to about 250 bytes, four to a batch) through
/// broker `via`; every one must be acknowledged. Adds them to `acked` at the offsets printed.
fn produce(cluster: &TestCluster, via: u64, prefix: &str, count: usize, acked: &mut Acked) {
    let values: Vec<String> = (0..count)
        .map(|n| format!("{prefix}-{n}-{}", "x".repeat(240)))
        .collect();
    let output = cluster.brokers[via as usize - 1]
        .cmd()
        .args(["produce", "-t", "t", "--batch-size", "4"])
        .write_stdin(values.join("\n") + "\n")
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "produce {prefix} through broker {via}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let positions: Vec<u64> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.rsplit_once('@').unwrap().1.parse().unwrap())
        .collect();
    assert_eq!(positions.len(), count, "one position per record");
    for (offset, value) in positions.into_iter().zip(values) {
        acked.sent.insert(value.clone());
        assert!(
            acked.at.insert(offset, value).is_none(),
            "two records acknowledged at offset {offset}"
        );
    }
}

/// What broker `address` itself serves of `t/0` from offset 0 (a follower serves its own copy
/// below its high watermark): every record, or the error a read ran into. Every record served
/// must pass [`Acked::check`].
fn served_by(address: &str, acked: &Acked) -> Result<Vec<(u64, String)>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let records = runtime.block_on(async {
        let client = Client::connect(address).await.map_err(|e| e.to_string())?;
        let mut records = Vec::new();
        let mut offset = 0;
        loop {
            let batch = client
                .fetch("t", 0, Offset::At(offset), None, 0)
                .await
                .map_err(|e| format!("fetch from offset {offset}: {e}"))?;
            if batch.records.is_empty() {
                return Ok::<_, String>(records);
            }
            for record in batch.records {
                records.push((
                    record.offset,
                    String::from_utf8_lossy(&record.value).into_owned(),
                ));
            }
            offset = batch.next_offset;
        }
    })?;
    for record in &records {
        acked.check(record, address);
    }
    Ok(records)
}

/// Waits until every broker serves, from its own copy, the same records at the same offsets,
/// every acknowledged one among them, and holds exactly them on disk, in undamaged files.
fn wait_until_every_copy_is(cluster: &TestCluster, acked: &Acked) {
    let mut copies: Vec<Vec<(u64, String)>> = Vec::new();
    for (i, broker) in cluster.brokers.iter().enumerate() {
        let mut last = Err(String::new());
        let complete = wait_until(CATCH_UP_TIMEOUT, || {
            last = served_by(&broker.address, acked);
            last.as_ref()
                .is_ok_and(|r| acked.all_in(r) && copies.first().is_none_or(|first| first == r))
        });
        assert!(
            complete,
            "broker {} serves {} records (last error {:?}), {} acknowledged; its log:\n{}",
            i + 1,
            last.as_ref().map_or(0, Vec::len),
            last.as_ref().err(),
            acked.len(),
            tail(&broker.log())
        );
        copies.push(last.unwrap());
    }
    for (i, broker) in cluster.brokers.iter().enumerate() {
        let dir = broker.data_dir.join("topics/t/0");
        let verified = flashq_cmd()
            .args(["inspect-log", "--verify"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            verified.status.success(),
            "broker {}: {}",
            i + 1,
            String::from_utf8_lossy(&verified.stdout)
        );
        let stored = cluster.values_stored_on(i as u64 + 1);
        let served: Vec<&String> = copies[i].iter().map(|(_, v)| v).collect();
        assert_eq!(
            stored.iter().collect::<Vec<_>>(),
            served,
            "broker {} stores other records than it serves",
            i + 1
        );
    }
}

/// The last lines of a log, for failure messages.
fn tail(log: &str) -> String {
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// The partition's segment files on a broker, oldest first.
fn segments(cluster: &TestCluster, id: u64) -> Vec<PathBuf> {
    let dir = cluster.brokers[id as usize - 1].data_dir.join("topics/t/0");
    let mut logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    logs.sort();
    logs
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Cuts `path` in its middle; returns the new length.
fn cut_middle(path: &Path) -> u64 {
    let len = file_len(path) / 2;
    let file = std::fs::OpenOptions::new().write(true).open(path).unwrap();
    file.set_len(len).unwrap();
    file.sync_all().unwrap();
    len
}

/// The byte positions the log reports for damage in the file named `name`: numbers after
/// `position=`, `at byte ` or (where a journal cut a torn tail) `kept_bytes=` on lines that
/// name it.
fn reported_positions(log: &str, name: &str) -> Vec<u64> {
    log.lines()
        .filter(|l| l.contains(name))
        .flat_map(|l| {
            ["position=", "at byte ", "kept_bytes="]
                .into_iter()
                .filter_map(move |key| l.split(key).nth(1))
                .filter_map(|rest| {
                    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    digits.parse().ok()
                })
        })
        .collect()
}

/// Asserts that the broker's log names `file` with a byte position in `expected`.
fn assert_reported(log: &str, file: &Path, expected: std::ops::RangeInclusive<u64>) {
    let name = file.file_name().unwrap().to_str().unwrap();
    let positions = reported_positions(log, name);
    assert!(
        positions.iter().any(|p| expected.contains(p)),
        "no report of damage in {name} at a byte in {expected:?} (reported: {positions:?}); log:\n{}",
        tail(log)
    );
}

#[derive(Clone, Copy, Debug)]
enum Stop {
    Kill,
    Clean,
}

fn stop(cluster: &mut TestCluster, id: u64, how: Stop) {
    match how {
        Stop::Kill => cluster.broker(id).kill(),
        Stop::Clean => assert_eq!(cluster.broker(id).stop(), Some(0), "clean stop"),
    }
}

/// Damages one stopped broker's copy of `t/0`: a flipped byte in the middle of the oldest
/// segment, a cut in the middle of the next, a flipped byte in the middle of the third's
/// offset index and of the fourth's time index, and one in the middle of the active segment.
/// Checks, once it runs again, that its log names each file and a byte position at or before
/// the damage.
struct SegmentDamage {
    /// (file, the range of byte positions a report of it may name)
    reports: Vec<(PathBuf, std::ops::RangeInclusive<u64>)>,
}

impl SegmentDamage {
    fn apply(segments: &[PathBuf]) -> SegmentDamage {
        assert!(segments.len() >= 6, "too few segments: {segments:?}");
        let active = segments.last().unwrap();
        assert!(
            file_len(active) >= 2048,
            "the active segment is nearly empty"
        );
        let mut reports = Vec::new();
        let flipped = flip_middle(&segments[0]);
        reports.push((segments[0].clone(), 0..=flipped));
        let cut = cut_middle(&segments[1]);
        reports.push((segments[1].clone(), 0..=cut));
        for (segment, ext) in [(&segments[2], "index"), (&segments[3], "timeindex")] {
            let index = segment.with_extension(ext);
            assert!(file_len(&index) > 0, "{} is empty", index.display());
            flip_middle(&index);
            // An index reports the entry it finds wrong, which may be the one after the
            // damaged byte.
            reports.push((index.clone(), 0..=file_len(&index)));
        }
        let flipped = flip_middle(active);
        reports.push((active.clone(), 0..=flipped));
        SegmentDamage { reports }
    }

    fn assert_reported(&self, log: &str) {
        for (file, positions) in &self.reports {
            assert_reported(log, file, positions.clone());
        }
    }
}

/// Produces until broker `id`'s active segment holds a few batches, so there is a middle to
/// damage.
fn grow_active_segment(cluster: &TestCluster, via: u64, id: u64, acked: &mut Acked) {
    for round in 0..20 {
        let active = segments(cluster, id).last().cloned().unwrap();
        if file_len(&active) >= 4096 && segments(cluster, id).len() >= 6 {
            return;
        }
        produce(cluster, via, &format!("fill{round}"), 8, acked);
        // The broker may be a follower, a fetch behind.
        wait_until(CATCH_UP_TIMEOUT, || {
            served_by(&cluster.brokers[id as usize - 1].address, acked)
                .is_ok_and(|r| acked.all_in(&r))
        });
    }
    panic!("broker {id}'s active segment stays nearly empty");
}

/// The partition's leader as broker `from` sees it, once it has one.
fn leader_from(cluster: &TestCluster, from: u64) -> u64 {
    let partition = cluster.wait_for_partition(from, "t/0 has a leader", |p| p["leader"].is_u64());
    partition["leader"].as_u64().unwrap()
}

/// The round every segment test runs: `victim` (chosen from the leader by `pick`) is stopped
/// `how`, its segments and indexes damaged, more records acknowledged without it, and it is
/// started again; it must report every damaged file, serve nothing wrong, and end with exactly
/// the acknowledged records, as must the others.
fn damage_segments_and_rejoin(
    cluster: &mut TestCluster,
    pick: impl Fn(u64) -> u64,
    how: Stop,
    acked: &mut Acked,
) {
    let leader = leader_from(cluster, 1);
    let victim = pick(leader);
    let via = others(victim)[0];
    produce(cluster, leader, &format!("{how:?}-before"), 400, acked);
    grow_active_segment(cluster, leader, victim, acked);
    wait_until_every_copy_is(cluster, acked);
    stop(cluster, victim, how);
    let damage = SegmentDamage::apply(&segments(cluster, victim));
    produce(cluster, via, &format!("{how:?}-without"), 40, acked);

    let log_before = cluster.broker(victim).log().len();
    cluster.broker(victim).start_again();
    // While it rejoins, whatever it serves must be right (reads may fail: damage is an error).
    let address = cluster.broker(victim).address.clone();
    let rejoined = wait_until(CATCH_UP_TIMEOUT, || {
        served_by(&address, acked).is_ok_and(|r| acked.all_in(&r))
    });
    let log = cluster.broker(victim).log()[log_before..].to_string();
    assert!(
        rejoined,
        "broker {victim} never served every acknowledged record; log:\n{}",
        tail(&log)
    );
    damage.assert_reported(&log);
    cluster.wait_for_partition(via, "the victim back in the ISR", |p| {
        p["isr"].as_array().is_some_and(|isr| isr.len() == 3)
    });
    produce(
        cluster,
        leader_from(cluster, via),
        &format!("{how:?}-after"),
        20,
        acked,
    );
    wait_until_every_copy_is(cluster, acked);
}

#[test]
fn a_follower_with_damaged_segments_and_indexes_reports_each_and_copies_them_back() {
    let (mut cluster, _) = cluster_with_topic(&[]);
    let mut acked = Acked::new();
    // Each round damages another follower: the first one's copy is now made of the large
    // batches it copied back, one to a segment, whose offset indexes are empty.
    let first_follower = |leader| others(leader)[0];
    let second_follower = |leader| others(leader)[1];
    damage_segments_and_rejoin(&mut cluster, first_follower, Stop::Kill, &mut acked);
    damage_segments_and_rejoin(&mut cluster, second_follower, Stop::Clean, &mut acked);
}

#[test]
fn a_leader_with_damaged_segments_and_indexes_reports_each_and_copies_them_back() {
    let (mut cluster, _) = cluster_with_topic(&[]);
    let mut acked = Acked::new();
    let leader = |leader| leader;
    damage_segments_and_rejoin(&mut cluster, leader, Stop::Kill, &mut acked);
    damage_segments_and_rejoin(&mut cluster, leader, Stop::Clean, &mut acked);
}

/// The leader's disk damages a closed segment under it while it runs: a read that reaches the
/// batch fails (never a wrong record), the leader reports it and hands the leadership to an
/// in-sync follower, then drops its damaged copy and copies it back.
#[test]
fn a_running_leader_whose_closed_segment_goes_bad_hands_over_and_copies_it_back() {
    let (mut cluster, leader) = cluster_with_topic(&[]);
    let mut acked = Acked::new();
    produce(&cluster, leader, "before", 400, &mut acked);
    wait_until_every_copy_is(&cluster, &acked);
    let segment = segments(&cluster, leader)[1].clone();
    let flipped = flip_middle(&segment);
    // Reading from the start reaches the damage: an error, not a record.
    let address = cluster.broker(leader).address.clone();
    let read = served_by(&address, &acked);
    assert!(
        read.is_err(),
        "the damaged leader served {} records",
        read.unwrap().len()
    );
    let new_leader = cluster.wait_for_new_leader(others(leader)[0], "t", 0, leader);
    assert_ne!(new_leader, leader);
    assert_reported(&cluster.broker(leader).log(), &segment, 0..=flipped);
    produce(&cluster, new_leader, "after", 40, &mut acked);
    wait_until_every_copy_is(&cluster, &acked);
    let log = cluster.broker(leader).log();
    assert!(
        log.contains("handed the leadership"),
        "no hand-over in the log:\n{}",
        tail(&log)
    );
}

/// `leader-epochs.json` in format 0 (plain JSON) is read and rewritten framed; damaged, it is
/// reported by byte, and the broker copies its whole partition back rather than trust records
/// whose epochs it no longer knows.
#[test]
fn damaged_leader_epoch_histories_are_reported_and_the_copy_is_fetched_again() {
    let (mut cluster, leader) = cluster_with_topic(&[]);
    let mut acked = Acked::new();
    produce(&cluster, leader, "before", 100, &mut acked);
    wait_until_every_copy_is(&cluster, &acked);
    let victim = others(leader)[0];
    let path = cluster
        .broker(victim)
        .data_dir
        .join("cluster/leader-epochs.json");

    // Format 0: the JSON alone, as before framing. It is read and rewritten in format 1.
    assert_eq!(cluster.broker(victim).stop(), Some(0));
    let framed = std::fs::read(&path).unwrap();
    assert!(framed.starts_with(b"FQLEPCH1"), "not framed: {framed:?}");
    // Magic, then one frame: 12 bytes of length and CRCs, then the JSON.
    std::fs::write(&path, &framed[8 + 12..]).unwrap();
    cluster.broker(victim).start_again();
    produce(&cluster, leader, "legacy", 20, &mut acked);
    wait_until_every_copy_is(&cluster, &acked);
    let rewritten = wait_until(FORM_TIMEOUT, || {
        std::fs::read(&path).is_ok_and(|b| b.starts_with(b"FQLEPCH1"))
    });
    assert!(rewritten, "format 0 was not rewritten");

    // A flipped byte: reported, and the copy is dropped and fetched again.
    assert_eq!(cluster.broker(victim).stop(), Some(0));
    let flipped = flip_middle(&path);
    produce(&cluster, leader, "without", 20, &mut acked);
    let log_before = cluster.broker(victim).log().len();
    cluster.broker(victim).start_again();
    produce(&cluster, leader, "after", 20, &mut acked);
    wait_until_every_copy_is(&cluster, &acked);
    let log = cluster.broker(victim).log()[log_before..].to_string();
    assert_reported(&log, &path, 0..=flipped);
    assert!(
        log.contains("dropping this broker's damaged or unverified records"),
        "the copy was not fetched again:\n{}",
        tail(&log)
    );
}

/// A flipped byte in the Raft vote, or a cut, keeps the broker out like damage in the Raft log
/// (whose test is in tests/cluster.rs): it exits 7 naming the file and byte, leaves the file as
/// it was, and the others serve on. (A whole file is renamed into place complete, so a short one
/// is damage, never a torn write.)
#[test]
fn a_damaged_raft_vote_keeps_the_broker_out_and_names_the_byte() {
    let (mut cluster, leader) = cluster_with_topic(&[]);
    let mut acked = Acked::new();
    produce(&cluster, leader, "before", 20, &mut acked);
    let victim = others(leader)[0];
    assert_eq!(cluster.broker(victim).stop(), Some(0));
    let vote = cluster.broker(victim).data_dir.join("cluster/vote.json");
    let original = std::fs::read(&vote).unwrap();
    for damage in [flip_middle, cut_middle] {
        std::fs::write(&vote, &original).unwrap();
        let at = damage(&vote);
        let damaged = std::fs::read(&vote).unwrap();
        let error = cluster.broker(victim).serve_refused();
        assert_reported(&error, &vote, 0..=at);
        assert_eq!(
            std::fs::read(&vote).unwrap(),
            damaged,
            "the damaged vote was changed"
        );
    }
    produce(&cluster, leader, "without", 20, &mut acked);
    for id in others(victim) {
        let address = &cluster.brokers[id as usize - 1].address;
        let served = wait_until(CATCH_UP_TIMEOUT, || {
            served_by(address, &acked).is_ok_and(|r| acked.all_in(&r))
        });
        assert!(served, "broker {id} lacks acknowledged records");
    }
}

/// A power loss on the leader: the writes after its last fsync are lost (here, with
/// `--fsync never` on every broker, the tail of its active segment, and a torn last frame of
/// its Raft log). It comes back as a new incarnation, out of the ISR, so the records only it
/// lost are kept by the others and copied back to it.
#[test]
fn a_power_loss_on_the_leader_loses_nothing_acknowledged_cluster_wide() {
    let (mut cluster, leader) = cluster_with_topic(&["--fsync", "never"]);
    let mut acked = Acked::new();
    produce(&cluster, leader, "synced", 300, &mut acked);
    // Room in the active segment for the writes to lose, so that they are all in it.
    for round in 0..10 {
        let active = segments(&cluster, leader).last().cloned().unwrap();
        if file_len(&active) < 8192 {
            break;
        }
        produce(&cluster, leader, &format!("synced{round}"), 8, &mut acked);
    }
    wait_until_every_copy_is(&cluster, &acked);
    // What the disk holds at the last "fsync": the active segment as it is now.
    let active = segments(&cluster, leader).last().cloned().unwrap();
    let synced_len = file_len(&active);
    produce(&cluster, leader, "unsynced", 20, &mut acked);
    wait_until_every_copy_is(&cluster, &acked);
    assert_eq!(
        segments(&cluster, leader).last(),
        Some(&active),
        "the leader rolled a segment meanwhile"
    );
    cluster.broker(leader).kill();
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(&active)
        .unwrap();
    file.set_len(synced_len).unwrap();
    let raft_log = cluster.broker(leader).data_dir.join("cluster/raft.log");
    let mut raft = std::fs::OpenOptions::new()
        .append(true)
        .open(&raft_log)
        .unwrap();
    // A frame header whose payload never landed.
    raft.write_all(&[200, 0, 0, 0, 1, 2]).unwrap();
    let via = others(leader)[0];
    produce(&cluster, via, "without", 30, &mut acked);
    cluster.broker(leader).start_again();
    cluster.wait_for_status(via, "the old leader alive again", |s| alive(s, leader));
    produce(&cluster, via, "after", 30, &mut acked);
    wait_until_every_copy_is(&cluster, &acked);
}

/// A Raft log cut short in its middle reads like a torn tail (the cut lands inside a frame), so
/// the broker starts with a shorter log than it acknowledged, as if its disk lost synced
/// writes. The controller must copy the entries back to it rather than fail (openraft's
/// `loosen-follower-log-revert`), and the metadata quorum keeps working on all three.
#[test]
fn a_raft_log_cut_short_is_copied_back_and_the_controller_keeps_working() {
    let (mut cluster, leader) = cluster_with_topic(&[]);
    let mut acked = Acked::new();
    produce(&cluster, leader, "before", 20, &mut acked);
    let controller = cluster.status_from(1).unwrap()["controller"]
        .as_u64()
        .unwrap();
    let victim = others(controller)[0];
    let raft_log = cluster.broker(victim).data_dir.join("cluster/raft.log");
    let grown = wait_until(FORM_TIMEOUT, || file_len(&raft_log) >= 8192);
    assert!(grown, "raft.log stayed under 8 KiB");
    assert_eq!(cluster.broker(victim).stop(), Some(0));
    let cut = cut_middle(&raft_log);
    let log_before = cluster.broker(victim).log().len();
    cluster.broker(victim).start_again();
    let log = cluster.broker(victim).log()[log_before..].to_string();
    assert_reported(&log, &raft_log, 0..=cut);
    cluster.wait_for_status(controller, "the broker back and alive", |s| {
        s["brokers_alive"] == 3 && alive(s, victim)
    });
    let created = cluster
        .broker(victim)
        .cmd()
        .args([
            "topic",
            "create",
            "after-cut",
            "-p",
            "1",
            "--replication-factor",
            "3",
        ])
        .output()
        .unwrap();
    assert!(
        created.status.success(),
        "{created:?}; controller's log:\n{}",
        tail(&cluster.broker(controller).log())
    );
    for id in 1..=3 {
        let applied = wait_until(FORM_TIMEOUT, || {
            cluster
                .partitions_of(id, "after-cut")
                .is_some_and(|ps| ps.len() == 1)
        });
        assert!(applied, "broker {id} never applied the new topic");
    }
    produce(
        &cluster,
        leader_from(&cluster, victim),
        "after",
        20,
        &mut acked,
    );
    wait_until_every_copy_is(&cluster, &acked);
}
