//! `flashq inspect-log` end to end: data written with the library, inspected by the real binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use bytes::Bytes;
use flashq::storage::file::{FileStorage, FileStorageOptions};
use flashq::storage::{FsyncPolicy, Header, LogConfig, Record, Storage};
use predicates::prelude::*;

const RECORDS: u64 = 40;

/// Topic "orders", partition 0: 20 batches of 2 records over several segments; record 3's value
/// is not UTF-8.
fn make_partition(data: &Path) -> PathBuf {
    let storage = FileStorage::open(
        data,
        FileStorageOptions {
            fsync: FsyncPolicy::Never,
            ..Default::default()
        },
    )
    .unwrap();
    let config = LogConfig {
        segment_bytes: 600,
        ..LogConfig::default()
    };
    let log = storage.open_partition("orders", 0, &config).unwrap();
    for n in 0..RECORDS / 2 {
        let records: Vec<Record> = (0..2)
            .map(|i| {
                let offset = n * 2 + i;
                Record {
                    timestamp_ms: 1_700_000_000_000 + offset as i64 * 1000,
                    key: (offset % 2 == 0).then(|| Bytes::from(format!("key-{offset}"))),
                    value: if offset == 3 {
                        Bytes::from_static(&[0xff, 0xfe, 0x00, 0x01])
                    } else {
                        Bytes::from(format!("value-{offset}-{}", "p".repeat(40)))
                    },
                    headers: vec![Header {
                        key: "trace".into(),
                        value: Bytes::from(format!("t{offset}")),
                    }],
                }
            })
            .collect();
        log.append(&records).unwrap();
    }
    log.close().unwrap();
    storage.partition_dir("orders", 0).unwrap()
}

fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "log"))
        .collect();
    files.sort();
    files
}

fn flashq() -> Command {
    let mut cmd = Command::cargo_bin("flashq").unwrap();
    // No config file from the machine running the tests.
    cmd.env_remove("FLASHQ_OUTPUT")
        .env_remove("FLASHQ_CONFIG")
        .env("HOME", "/nonexistent-flashq-home")
        .env("XDG_CONFIG_HOME", "/nonexistent-flashq-home");
    cmd
}

fn stdout_of(cmd: &mut Command) -> String {
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// `inspect-log --verify PATH`, which must find problems (exit 7): its stdout and stderr.
fn verify_finding_problems(path: &Path) -> (String, String) {
    let output = flashq()
        .args(["inspect-log", "--verify"])
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7));
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

/// The byte positions reported as "at byte N" in some output.
fn positions(text: &str) -> Vec<u64> {
    text.split("at byte ")
        .skip(1)
        .filter_map(|rest| {
            rest.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok())
        })
        .collect()
}

#[test]
fn summary_as_text_and_json() {
    let data = tempfile::tempdir().unwrap();
    let dir = make_partition(data.path());
    let text = stdout_of(flashq().arg("inspect-log").arg(&dir));
    assert!(text.contains(&format!("records:   {RECORDS}")), "{text}");
    assert!(text.contains("offsets:   0..=39"), "{text}");
    assert!(text.contains("partition: orders/0"), "{text}");
    assert!(text.contains("2023-11-14T22:13:20.000Z"), "{text}");

    let json = stdout_of(flashq().args(["-o", "json", "inspect-log"]).arg(&dir));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["records"], RECORDS);
    assert_eq!(report["batches"], RECORDS / 2);
    assert_eq!(report["first_offset"], 0);
    assert_eq!(report["last_offset"], RECORDS - 1);
    assert_eq!(report["topic"], "orders");
    assert!(report["segments"].as_array().unwrap().len() > 2);
    assert_eq!(report["problems"].as_array().unwrap().len(), 0);

    // One segment file on its own.
    let first = &segments(&dir)[0];
    let json = stdout_of(flashq().args(["-o", "json", "inspect-log"]).arg(first));
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["segments"].as_array().unwrap().len(), 1);
    assert_eq!(report["first_offset"], 0);
}

#[test]
fn records_as_text_and_ndjson() {
    let data = tempfile::tempdir().unwrap();
    let dir = make_partition(data.path());
    let text = stdout_of(flashq().args(["inspect-log", "--records"]).arg(&dir));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() as u64, RECORDS);
    assert!(lines[0].starts_with("offset=0 timestamp=2023-11-14T22:13:20.000Z key=\"key-0\""));
    assert!(lines[1].contains("key=null"));
    assert!(lines[3].contains("value=base64://4AAQ=="), "{}", lines[3]);

    let ndjson = stdout_of(
        flashq()
            .args(["-o", "json", "inspect-log", "--records"])
            .arg(&dir),
    );
    let records: Vec<serde_json::Value> = ndjson
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len() as u64, RECORDS);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r["offset"], i as u64);
        assert_eq!(r["topic"], "orders");
        assert_eq!(r["partition"], 0);
        assert_eq!(r["timestamp_ms"], 1_700_000_000_000i64 + i as i64 * 1000);
        assert_eq!(r["headers"][0]["key"], "trace");
        assert_eq!(r["headers"][0]["value"], format!("t{i}"));
    }
    assert_eq!(records[0]["timestamp"], "2023-11-14T22:13:20.000Z");
    assert_eq!(records[0]["key"], "key-0");
    assert_eq!(records[1]["key"], serde_json::Value::Null);
    assert_eq!(records[3]["value"], "//4AAQ==");
    assert_eq!(records[3]["value_encoding"], "base64");
    assert_eq!(records[2]["value_encoding"], "utf8");
}

#[test]
fn verify_passes_on_a_good_partition() {
    let data = tempfile::tempdir().unwrap();
    let dir = make_partition(data.path());
    flashq()
        .args(["inspect-log", "--verify"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ok: "));
    let json = stdout_of(
        flashq()
            .args(["-o", "json", "inspect-log", "--verify"])
            .arg(&dir),
    );
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["indexes_checked"], true);
}

#[test]
fn verify_reports_a_flipped_byte_with_its_position() {
    let data = tempfile::tempdir().unwrap();
    let dir = make_partition(data.path());
    let first = segments(&dir)[0].clone();
    let mut bytes = std::fs::read(&first).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&first, &bytes).unwrap();

    let (stdout, stderr) = verify_finding_problems(&dir);
    assert!(stdout.contains(first.to_str().unwrap()), "{stdout}");
    assert!(stdout.contains("CRC mismatch"), "{stdout}");
    let reported = positions(&stdout)[0];
    assert!(
        reported <= at as u64 && at as u64 - reported < 300,
        "{stdout}"
    );
    assert!(stderr.contains("problem"));
}

/// Found by tests/fuzz.rs: the base offset sits outside the CRC, so a flipped bit there used to
/// show the batch's records at offsets that were never written.
#[test]
fn a_batch_whose_base_offset_does_not_chain_is_reported_and_not_shown() {
    let data = tempfile::tempdir().unwrap();
    let dir = make_partition(data.path());
    let first = segments(&dir)[0].clone();
    let mut bytes = std::fs::read(&first).unwrap();
    bytes[0] ^= 0x01; // the high byte of the first batch's base offset
    std::fs::write(&first, &bytes).unwrap();

    let output = flashq()
        .args(["inspect-log", "--records", "-o", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let offsets: Vec<u64> = stdout
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["offset"]
                .as_u64()
                .unwrap()
        })
        .collect();
    // The first batch (offsets 0 and 1) is hidden; every other record is at its own offset.
    assert_eq!(offsets, (2..RECORDS).collect::<Vec<_>>());

    let (stdout, _) = verify_finding_problems(&dir);
    assert!(
        stdout.contains("where 0 was expected; its 2 records are not shown"),
        "{stdout}"
    );
    assert_eq!(positions(&stdout), vec![0], "{stdout}");
}

/// Cuts `bytes` off the end of the partition's last segment, as a torn write would; returns
/// the segment and its length before the cut.
fn cut_last_segment(dir: &Path, bytes: u64) -> (PathBuf, u64) {
    let last = segments(dir).pop().unwrap();
    let len = std::fs::metadata(&last).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&last)
        .unwrap()
        .set_len(len - bytes)
        .unwrap();
    (last, len)
}

#[test]
fn verify_reports_a_truncated_segment_and_a_bad_index() {
    let data = tempfile::tempdir().unwrap();
    let dir = make_partition(data.path());
    let (last, len) = cut_last_segment(&dir, 10);
    let index = segments(&dir)[0].with_extension("index");
    let mut entry = 1u32.to_be_bytes().to_vec();
    entry.extend_from_slice(&7u32.to_be_bytes());
    std::fs::write(&index, entry).unwrap();

    let output = flashq()
        .args(["-o", "json", "inspect-log", "--verify"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(7));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], false);
    let problems = report["problems"].as_array().unwrap();
    // The truncated log, the bad offset index, and the time index whose last entry pointed at
    // the batch that was cut.
    assert_eq!(problems.len(), 3, "{problems:?}");
    let truncated = problems
        .iter()
        .find(|p| p["file"] == last.to_str().unwrap())
        .unwrap();
    assert!(truncated["message"].as_str().unwrap().contains("truncated"));
    let batch_start = truncated["position"].as_u64().unwrap();
    assert!(
        batch_start < len - 10 && len - batch_start < 300,
        "{truncated}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p["file"] == last.with_extension("timeindex").to_str().unwrap())
    );
    let bad_index = problems
        .iter()
        .find(|p| p["file"] == index.to_str().unwrap())
        .unwrap();
    assert_eq!(bad_index["position"], 0);
}

#[test]
fn garbage_empty_and_huge_files_get_clear_reports() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("00000000000000000000.log");
    let bytes: Vec<u8> = (0..5000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&garbage, bytes).unwrap();
    let (stdout, _) = verify_finding_problems(&garbage);
    assert_eq!(positions(&stdout), vec![8], "{stdout}");
    assert!(stdout.contains("cannot be read as batches"), "{stdout}");

    // Summary of the same file: a report, not a failure.
    let text = stdout_of(flashq().arg("inspect-log").arg(&garbage));
    assert!(text.contains("problems:  1"), "{text}");

    let empty_dir = tempfile::tempdir().unwrap();
    let empty = empty_dir.path().join("00000000000000000000.log");
    std::fs::write(&empty, []).unwrap();
    let text = stdout_of(flashq().args(["inspect-log", "--verify"]).arg(&empty));
    assert!(text.starts_with("ok: 1 segment(s), 0 batches"), "{text}");

    // A sparse 3 GiB file of zeros: read lazily, reported at its first byte.
    let huge_dir = tempfile::tempdir().unwrap();
    let huge = huge_dir.path().join("00000000000000000000.log");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let (stdout, _) = verify_finding_problems(&huge);
    assert!(stdout.contains("bad batch length 0"));
}

#[test]
fn missing_paths_and_non_segments_are_clear_errors() {
    flashq()
        .args(["inspect-log", "/nonexistent/flashq/partition"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "error: /nonexistent/flashq/partition does not exist",
        ));
    let dir = tempfile::tempdir().unwrap();
    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "hello").unwrap();
    flashq()
        .args(["inspect-log"])
        .arg(&other)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("not a segment file"));
    flashq()
        .args(["inspect-log"])
        .arg(dir.path())
        .assert()
        .code(5)
        .stderr(predicate::str::contains("no segment files"));
}

#[test]
fn inspecting_never_modifies_anything() {
    let data = tempfile::tempdir().unwrap();
    let dir = make_partition(data.path());
    cut_last_segment(&dir, 3);
    let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let bytes = std::fs::read(&p).unwrap();
            (p, bytes)
        })
        .collect();
    for args in [&["--verify"][..], &["--records"], &[]] {
        flashq()
            .arg("inspect-log")
            .args(args)
            .arg(&dir)
            .output()
            .unwrap();
    }
    for (path, bytes) in before {
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "{}", path.display());
    }
}
