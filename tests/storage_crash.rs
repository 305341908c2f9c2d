//! Crash test: a child process appends with fsync=always from several threads and is SIGKILLed at
//! random moments; after each kill the log is reopened and every acknowledged append must be
//! there, intact. The child is this same test binary re-executed with `CHILD_DIR_ENV` set.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;

use bytes::Bytes;
use flashq::storage::file::{FileStorage, FileStorageOptions};
use flashq::storage::{FsyncPolicy, LogConfig, Record, Storage};

const CHILD_DIR_ENV: &str = "FLASHQ_CRASH_CHILD_DIR";
const KILLS: usize = 24;
const APPEND_THREADS: usize = 4;

fn config() -> LogConfig {
    LogConfig {
        // Small segments so kills also land around rolls.
        segment_bytes: 32 * 1024,
        ..LogConfig::default()
    }
}

fn value(prefix: &str, i: usize) -> Bytes {
    Bytes::from(format!("{prefix}-{i}-{}", "v".repeat(64 + i % 50)))
}

/// The child role: append forever, printing `ACK base last prefix count` after each Ok.
#[test]
fn crash_child() {
    let Ok(dir) = std::env::var(CHILD_DIR_ENV) else {
        return; // Not a child: nothing to do in a normal test run.
    };
    let storage = FileStorage::open(
        Path::new(&dir),
        FileStorageOptions {
            fsync: FsyncPolicy::Always,
            ..Default::default()
        },
    )
    .unwrap();
    let log = storage.open_partition("crash", 0, &config()).unwrap();
    let threads: Vec<_> = (0..APPEND_THREADS)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for n in 0.. {
                    let prefix = format!("p{}-t{t}-n{n}", std::process::id());
                    let count = 1 + (n * 7 + t) % 13;
                    let records: Vec<Record> = (0..count)
                        .map(|i| Record {
                            timestamp_ms: n as i64,
                            key: Some(Bytes::from(prefix.clone())),
                            value: value(&prefix, i),
                            headers: vec![],
                        })
                        .collect();
                    let outcome = log.append(&records).unwrap();
                    let mut out = std::io::stdout().lock();
                    writeln!(
                        out,
                        "ACK {} {} {prefix} {count}",
                        outcome.base_offset, outcome.last_offset
                    )
                    .unwrap();
                    out.flush().unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        let _ = thread.join();
    }
}

/// A small xorshift generator: kill points need to vary, not to be cryptographic.
struct Rng(u64);

impl Rng {
    fn next(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

struct Ack {
    base: u64,
    last: u64,
    prefix: String,
    count: usize,
}

fn parse_ack(line: &str) -> Option<Ack> {
    let mut parts = line.strip_prefix("ACK ")?.split(' ');
    Some(Ack {
        base: parts.next()?.parse().ok()?,
        last: parts.next()?.parse().ok()?,
        prefix: parts.next()?.to_string(),
        count: parts.next()?.parse().ok()?,
    })
}

#[test]
fn every_acknowledged_append_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = Rng(seed);
    let mut acks: Vec<Ack> = Vec::new();
    let exe = std::env::current_exe().unwrap();
    for round in 0..KILLS {
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_child", "--nocapture", "--test-threads=1"])
            .env(CHILD_DIR_ENV, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        // Kill after a random number of acks (sometimes none: during startup and recovery).
        let kill_after = rng.next(60);
        let mut seen = 0;
        while seen < kill_after {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(ack) = parse_ack(&line) {
                acks.push(ack);
                seen += 1;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        // Acks printed before the kill landed count too.
        for line in lines.map_while(Result::ok) {
            if let Some(ack) = parse_ack(&line) {
                acks.push(ack);
            }
        }
        verify(dir.path(), &acks, round);
    }
    assert!(acks.len() > KILLS, "the children acknowledged too little");
    eprintln!(
        "{KILLS} kills, {} acknowledged appends verified",
        acks.len()
    );
}

fn verify(dir: &Path, acks: &[Ack], round: usize) {
    let storage = FileStorage::open(dir, FileStorageOptions::default()).unwrap();
    let log = storage.open_partition("crash", 0, &config()).unwrap();
    // The whole log reads back without error: nothing corrupt is served.
    let all = log.read(0, usize::MAX).unwrap();
    assert_eq!(all.len() as u64, log.end_offset(), "round {round}");
    for ack in acks {
        assert!(
            ack.last < log.end_offset(),
            "round {round}: acked offsets {}..={} lost (end {})",
            ack.base,
            ack.last,
            log.end_offset()
        );
        assert_eq!(ack.last - ack.base + 1, ack.count as u64);
        for (i, offset) in (ack.base..=ack.last).enumerate() {
            let record = &all[offset as usize];
            assert_eq!(record.offset, offset);
            assert_eq!(record.record.value, value(&ack.prefix, i), "round {round}");
        }
    }
    log.close().unwrap();
}
