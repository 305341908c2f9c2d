//! Topic administration at scale against a real `flashq serve` (release build, file storage,
//! fsync=always) on loopback: how long CreateTopic and DeleteTopic of a 10,000-partition topic
//! take, as a client waits for them (issue 17: many clients' default deadline is a few seconds).
//!
//! 1. CreateTopic, 10,000 partitions;
//! 2. DeleteTopic of that topic, never written;
//! 3. DeleteTopic after one record went to every partition (10,000 partition dirs on disk).
//!
//! Run: `cargo bench --bench topic_admin` (add `-- --quick` for fewer rounds). Figures print as
//! a table; they are measured each run, never stored here.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use flashq::wire::v1 as pb;

const PARTITIONS: u32 = 10_000;

struct Broker {
    child: Child,
    address: String,
    _dir: tempfile::TempDir,
}

impl Broker {
    fn start() -> Broker {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_flashq"))
            .args(["serve", "--listen", "127.0.0.1:0", "-q", "--data-dir"])
            .arg(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start flashq serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("address line");
        Broker {
            child,
            address: format!("http://{}", line.trim()),
            _dir: dir,
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Wall times of the rounds, as (min, median, max) in ms.
fn summary(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
    )
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rounds = if quick { 2 } else { 5 };
    let written_rounds = if quick { 1 } else { 3 };
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let broker = Broker::start();
    let (creates, empty_deletes, written_deletes, fill) = runtime.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(broker.address.clone())
            .expect("address")
            .connect()
            .await
            .expect("connect");
        let mut admin = pb::admin_client::AdminClient::new(channel.clone());
        let mut produce = pb::produce_client::ProduceClient::new(channel);
        let create = pb::CreateTopicRequest {
            name: "wide".into(),
            partitions: Some(PARTITIONS),
            ..Default::default()
        };
        let delete = pb::DeleteTopicRequest {
            name: "wide".into(),
        };
        let (mut creates, mut empty_deletes, mut written_deletes, mut fill) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for round in 0..rounds.max(written_rounds) {
            let started = Instant::now();
            admin.create_topic(create.clone()).await.expect("create");
            creates.push(started.elapsed());
            let written = round < written_rounds;
            if written {
                let started = Instant::now();
                let one_each = pb::ProduceRequest {
                    topic: "wide".into(),
                    records: (0..PARTITIONS)
                        .map(|p| pb::Record {
                            value: bytes::Bytes::from_static(b"x"),
                            partition: Some(p),
                            ..Default::default()
                        })
                        .collect(),
                    ..Default::default()
                };
                produce.produce(one_each).await.expect("produce");
                fill.push(started.elapsed());
            }
            let started = Instant::now();
            admin.delete_topic(delete.clone()).await.expect("delete");
            if written {
                written_deletes.push(started.elapsed());
            } else {
                empty_deletes.push(started.elapsed());
            }
        }
        if empty_deletes.is_empty() {
            let started = Instant::now();
            admin.create_topic(create.clone()).await.expect("create");
            creates.push(started.elapsed());
            let started = Instant::now();
            admin.delete_topic(delete.clone()).await.expect("delete");
            empty_deletes.push(started.elapsed());
        }
        (creates, empty_deletes, written_deletes, fill)
    });
    println!(
        "topic admin, {PARTITIONS} partitions, file storage, fsync=always (ms: min / median / max)"
    );
    for (what, times) in [
        ("CreateTopic", creates),
        ("DeleteTopic, never written", empty_deletes),
        ("DeleteTopic, a record in every partition", written_deletes),
        ("(setup) one Produce of a record to every partition", fill),
    ] {
        let rounds = times.len();
        let (min, median, max) = summary(times);
        println!("{what:<52} {min:>9.1} / {median:>9.1} / {max:>9.1}   ({rounds} rounds)");
    }
}
