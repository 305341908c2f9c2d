//! The broker on the wire, driven by the real binary: produce and consume in every input and
//! output form, against a real `flashq serve` on file storage.

mod common;

use common::{TestBroker, stdout_of};

fn produce_lines(broker: &TestBroker, topic: &str, lines: &str, extra: &[&str]) -> String {
    stdout_of(
        broker
            .cmd()
            .args(["produce", "--topic", topic])
            .args(extra)
            .write_stdin(lines)
            .assert()
            .success(),
    )
}

fn consume(broker: &TestBroker, args: &[&str]) -> String {
    stdout_of(broker.cmd().arg("consume").args(args).assert().success())
}

#[test]
fn produce_with_flags_and_consume_with_format_string() {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["topic", "create", "orders", "--partitions", "1"])
        .assert()
        .success();
    let out = stdout_of(
        broker
            .cmd()
            .args(["produce", "-t", "orders", "--value", "hello", "--key", "k1"])
            .args(["-H", "trace=abc", "-H", "source=cli"])
            .assert()
            .success(),
    );
    assert_eq!(out, "orders/0@0\n");
    let out = consume(
        &broker,
        &["-t", "orders", "--format", "%t|%p|%o|%k|%v|%h|%K|%S\\n"],
    );
    assert_eq!(out, "orders|0|0|k1|hello|trace=abc,source=cli|2|5\n");
}

#[test]
fn stdin_lines_are_consumed_back_in_order_and_consume_stops_at_the_end() {
    let broker = TestBroker::start(&[]);
    let out = produce_lines(&broker, "lines", "one\ntwo\nthree\n", &[]);
    assert_eq!(out, "lines/0@0\nlines/0@1\nlines/0@2\n");
    assert_eq!(consume(&broker, &["-t", "lines"]), "one\ntwo\nthree\n");
    assert_eq!(
        consume(&broker, &["-t", "lines", "--offset", "1"]),
        "two\nthree\n"
    );
    assert_eq!(
        consume(&broker, &["-t", "lines", "--max", "2"]),
        "one\ntwo\n"
    );
    assert_eq!(consume(&broker, &["-t", "lines", "--from-end"]), "");
    // A key separator splits keys from values.
    produce_lines(&broker, "keyed", "a:1\nb:2\n", &["--key-separator", ":"]);
    assert_eq!(
        consume(&broker, &["-t", "keyed", "--format", "%k=%v\\n"]),
        "a=1\nb=2\n"
    );
}

#[test]
fn ndjson_in_and_out_is_exact() {
    let broker = TestBroker::start(&[]);
    let input = concat!(
        r#"{"key":"user-1","value":"{\"n\":1}","timestamp_ms":1700000000000,"headers":[{"key":"h","value":"v"}],"partition":0}"#,
        "\n",
        r#"{"value":"plain","timestamp_ms":1700000000001}"#,
        "\n"
    );
    produce_lines(&broker, "events", input, &["--input", "json"]);
    let out = consume(&broker, &["-t", "events", "-o", "json"]);
    let expected = concat!(
        r#"{"topic":"events","partition":0,"offset":0,"timestamp":"2023-11-14T22:13:20.000Z","timestamp_ms":1700000000000,"key":"user-1","key_encoding":"utf8","value":"{\"n\":1}","value_encoding":"utf8","headers":[{"key":"h","value":"v","value_encoding":"utf8"}]}"#,
        "\n",
        r#"{"topic":"events","partition":0,"offset":1,"timestamp":"2023-11-14T22:13:20.001Z","timestamp_ms":1700000000001,"key":null,"key_encoding":null,"value":"plain","value_encoding":"utf8","headers":[]}"#,
        "\n"
    );
    assert_eq!(out, expected);
    // JSON produce acknowledgements are NDJSON too.
    let acks = produce_lines(&broker, "events", "x\n", &["-o", "json"]);
    assert_eq!(
        acks,
        "{\"topic\":\"events\",\"partition\":0,\"offset\":2}\n"
    );
}

#[test]
fn since_and_from_time_start_at_the_right_record() {
    let broker = TestBroker::start(&[]);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let two_hours_ago = now_ms - 2 * 3600 * 1000;
    let input = format!(
        "{{\"value\":\"old\",\"timestamp_ms\":{two_hours_ago}}}\n{{\"value\":\"new\",\"timestamp_ms\":{now_ms}}}\n"
    );
    produce_lines(&broker, "timed", &input, &["--input", "json"]);
    assert_eq!(
        consume(&broker, &["-t", "timed", "--since", "10m"]),
        "new\n"
    );
    assert_eq!(
        consume(&broker, &["-t", "timed", "--since", "3h"]),
        "old\nnew\n"
    );
    assert_eq!(
        consume(
            &broker,
            &["-t", "timed", "--from-time", "2000-01-01T00:00:00Z"]
        ),
        "old\nnew\n"
    );
    assert_eq!(
        consume(
            &broker,
            &["-t", "timed", "--from-time", "2999-01-01T00:00:00Z"]
        ),
        ""
    );
}

#[test]
fn keyed_records_land_on_kafkas_partition_every_time() {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["topic", "create", "keyed", "--partitions", "4"])
        .assert()
        .success();
    let lines: String = (0..20).map(|i| format!("key-{i}:v{i}\n")).collect();
    let first = produce_lines(&broker, "keyed", &lines, &["--key-separator", ":"]);
    let second = produce_lines(&broker, "keyed", &lines, &["--key-separator", ":"]);
    let partitions = |out: &str| -> Vec<u32> {
        out.lines()
            .map(|l| {
                l.split('/')
                    .nth(1)
                    .unwrap()
                    .split('@')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect()
    };
    assert_eq!(partitions(&first), partitions(&second));
    for (i, p) in partitions(&first).into_iter().enumerate() {
        let key = format!("key-{i}");
        assert_eq!(
            p,
            flashq::protocol::partitioner::partition_for_key(key.as_bytes(), 4)
        );
    }
    // Kafka's default partitioner puts "foobar" on partition 16 of 50 (murmur2 vector).
    assert_eq!(
        flashq::protocol::partitioner::partition_for_key(b"foobar", 50),
        16
    );
}

#[test]
fn binary_values_and_headers_round_trip() {
    let broker = TestBroker::start(&[]);
    // 0xff 0x00 0xfe is not UTF-8: base64 "/wD+".
    let input = r#"{"key":"/wE=","key_encoding":"base64","value":"/wD+","value_encoding":"base64","headers":[{"key":"bin","value":"ff00","value_encoding":"hex"}]}"#;
    produce_lines(&broker, "bin", &format!("{input}\n"), &["--input", "json"]);
    let out = consume(&broker, &["-t", "bin", "-o", "json"]);
    let json: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(json["value"], "/wD+");
    assert_eq!(json["value_encoding"], "base64");
    assert_eq!(json["key"], "/wE=");
    assert_eq!(json["key_encoding"], "base64");
    assert_eq!(json["headers"][0]["value"], "/wA=");
    assert_eq!(json["headers"][0]["value_encoding"], "base64");
    assert_eq!(
        consume(
            &broker,
            &[
                "-t",
                "bin",
                "--value-encoding",
                "hex",
                "--format",
                "%k %v %h\\n"
            ]
        ),
        "ff01 ff00fe bin=ff00\n"
    );
}

#[test]
fn a_topic_copied_through_ndjson_is_identical() {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["topic", "create", "src", "--partitions", "3"])
        .assert()
        .success();
    broker
        .cmd()
        .args(["topic", "create", "dst", "--partitions", "3"])
        .assert()
        .success();
    let mut input = String::new();
    for i in 0..30 {
        input.push_str(&format!(
            "{{\"key\":\"k{i}\",\"value\":\"{}\",\"value_encoding\":\"base64\",\"headers\":[{{\"key\":\"i\",\"value\":\"{i}\"}}]}}\n",
            base64_of(&[i as u8, 0xff, 0x00])
        ));
    }
    input.push_str("{\"value\":\"no key\"}\n");
    produce_lines(&broker, "src", &input, &["--input", "json"]);
    let exported = consume(&broker, &["-t", "src", "-o", "json"]);
    broker
        .cmd()
        .args(["produce", "-t", "dst", "--input", "json"])
        .write_stdin(exported.clone())
        .assert()
        .success();
    let copied = consume(&broker, &["-t", "dst", "-o", "json"]);
    let normalise = |text: &str| {
        let mut records: Vec<String> = text
            .lines()
            .map(|l| {
                let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
                v.as_object_mut().unwrap().remove("topic");
                v.to_string()
            })
            .collect();
        records.sort();
        records
    };
    assert_eq!(exported.lines().count(), 31);
    assert_eq!(normalise(&exported), normalise(&copied));
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn empty_lists_print_as_empty_json_arrays() {
    let broker = TestBroker::start(&[]);
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
fn topics_describe_and_delete() {
    let broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args([
            "topic",
            "create",
            "t1",
            "-p",
            "2",
            "--retention",
            "1h",
            "--retention-bytes",
            "1000000",
        ])
        .assert()
        .success();
    produce_lines(&broker, "t1", "a\nb\n", &["--partition", "1"]);
    let out = stdout_of(
        broker
            .cmd()
            .args(["topic", "describe", "t1", "-o", "json"])
            .assert()
            .success(),
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["partitions"], 2);
    assert_eq!(json["retention_ms"], 3_600_000);
    assert_eq!(json["retention_bytes"], 1_000_000);
    assert_eq!(json["partition_details"][1]["end_offset"], 2);
    assert_eq!(json["partition_details"][0]["end_offset"], 0);
    // Creating it again conflicts; --if-not-exists makes that fine.
    broker
        .cmd()
        .args(["topic", "create", "t1"])
        .assert()
        .code(6);
    broker
        .cmd()
        .args(["topic", "create", "t1", "--if-not-exists"])
        .assert()
        .success();
    broker
        .cmd()
        .args([
            "topic",
            "config",
            "t1",
            "--partitions",
            "3",
            "--retention",
            "0",
        ])
        .assert()
        .success();
    let out = stdout_of(
        broker
            .cmd()
            .args(["topic", "describe", "t1", "-o", "json"])
            .assert()
            .success(),
    );
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["partitions"], 3);
    assert_eq!(json["retention_ms"], 0);
    broker
        .cmd()
        .args(["topic", "delete", "t1"])
        .assert()
        .success();
    broker
        .cmd()
        .args(["topic", "describe", "t1"])
        .assert()
        .code(4);
}

#[test]
fn records_and_offsets_survive_a_restart() {
    let mut broker = TestBroker::start(&[]);
    broker
        .cmd()
        .args(["topic", "create", "durable", "--partitions", "2"])
        .assert()
        .success();
    let lines: String = (0..100).map(|i| format!("k{i}:v{i}\n")).collect();
    produce_lines(&broker, "durable", &lines, &["--key-separator", ":"]);
    // Partitions are read concurrently: compare as sorted sets of lines.
    let sorted = |text: String| {
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let before = sorted(consume(
        &broker,
        &["-t", "durable", "--format", "%p %o %k %v\\n"],
    ));
    broker.restart();
    let after = sorted(consume(
        &broker,
        &["-t", "durable", "--format", "%p %o %k %v\\n"],
    ));
    assert_eq!(before, after);
    assert_eq!(after.len(), 100);
    // Offsets continue where they were.
    let out = produce_lines(&broker, "durable", "next\n", &["--partition", "0"]);
    let p0 = before.iter().filter(|l| l.starts_with("0 ")).count();
    assert_eq!(out, format!("durable/0@{p0}\n"));
}
