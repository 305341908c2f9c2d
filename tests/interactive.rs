//! `flashq init` and `flashq demo`: answered through a pseudo-terminal (expectrl) as a person
//! would, and refused at once without a terminal.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{TestBroker, flashq_bin, flashq_cmd, stdout_of};
use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Session};

/// How long one prompt may take to appear.
const PROMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// Arrow down, as a terminal sends it.
const DOWN: &str = "\x1b[B";

/// `flashq ARGS` on a fresh pseudo-terminal, with no user config or FLASHQ_* leaking in.
fn spawn_on_pty(args: &[&str]) -> OsSession {
    let mut command = Command::new(flashq_bin());
    command.args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("FLASHQ_") {
            command.env_remove(key);
        }
    }
    command
        .env("XDG_CONFIG_HOME", "/nonexistent/flashq-test-config")
        .env("TERM", "xterm")
        .env_remove("RUST_LOG");
    let mut session = Session::spawn(command).expect("spawn flashq on a pty");
    session.set_expect_timeout(Some(PROMPT_TIMEOUT));
    session
}

/// Waits for the session's process to end; returns its exit code.
fn exit_code(session: &mut OsSession) -> Option<i32> {
    session.expect(Eof).expect("output ends");
    match session.get_process().wait() {
        Ok(expectrl::process::unix::WaitStatus::Exited(_, code)) => Some(code),
        _ => None,
    }
}

/// Waits until a password prompt reads: it turns echo off, and it discards (TCSAFLUSH)
/// whatever was typed before, so answering earlier would lose the answer.
fn wait_for_hidden_input(session: &OsSession) {
    assert!(
        common::wait_until(PROMPT_TIMEOUT, || {
            session.get_process().get_echo().is_ok_and(|echo| !echo)
        }),
        "the password prompt never turned echo off"
    );
}

fn read_config(path: &Path) -> toml::Table {
    let text = std::fs::read_to_string(path).expect("config written");
    toml::from_str(&text).expect("config is TOML")
}

#[test]
fn init_on_a_terminal_asks_checks_the_broker_and_writes_the_config() {
    let broker = TestBroker::start(&["--storage", "memory"]);
    broker
        .cmd()
        .args(["topic", "create", "probe-me", "--partitions", "2"])
        .assert()
        .success();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("conf").join("config.toml");
    let data_dir = dir.path().join("data");

    let mut s = spawn_on_pty(&["--config", path.to_str().unwrap(), "init"]);
    s.expect("Broker address").unwrap();
    s.send_line(&broker.address).unwrap();
    // The connection check found the broker and its one topic.
    s.expect("found a broker at").unwrap();
    s.expect("1 topic(s), 2 partition(s)").unwrap();
    s.expect("Default output format").unwrap();
    s.send(format!("{DOWN}{DOWN}\r")).unwrap(); // text, table, json
    s.expect("Data dir for").unwrap();
    s.send_line(data_dir.to_str().unwrap()).unwrap();
    s.expect("Fsync policy").unwrap();
    s.send(format!("{DOWN}\r")).unwrap(); // always, interval, never
    s.expect("Fsync interval in ms").unwrap();
    s.send_line("250").unwrap();
    s.expect("Auth token").unwrap();
    wait_for_hidden_input(&s);
    s.send_line("s3cret").unwrap();
    s.expect("wrote").unwrap();
    assert_eq!(exit_code(&mut s), Some(0));

    let config = read_config(&path);
    let expected_broker = format!("http://{}", broker.address);
    assert_eq!(config["broker"].as_str(), Some(expected_broker.as_str()));
    assert_eq!(config["output"].as_str(), Some("json"));
    assert_eq!(config["data_dir"].as_str(), data_dir.to_str());
    assert_eq!(config["fsync"].as_str(), Some("interval:250"));
    assert_eq!(config["token"].as_str(), Some("s3cret"));
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(
        mode & 0o077,
        0,
        "a file with a token is private, got {mode:o}"
    );

    // Every command now reads it: the broker and the JSON output come from the file.
    let out = stdout_of(
        flashq_cmd()
            .args(["--config", path.to_str().unwrap(), "topic", "list"])
            .assert()
            .success(),
    );
    assert!(out.trim_start().starts_with('['), "JSON output: {out}");
    assert!(out.contains("probe-me"), "{out}");
}

#[test]
fn init_on_a_terminal_says_when_nothing_answers_and_keeps_an_existing_file_unless_confirmed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let original = "broker = \"http://127.0.0.1:9\"\noutput = \"table\"\n";
    std::fs::write(&path, original).unwrap();

    let mut s = spawn_on_pty(&["--config", path.to_str().unwrap(), "init"]);
    s.expect("Broker address").unwrap();
    s.send("\r").unwrap(); // the existing file's broker is the default
    s.expect("nothing answered at http://127.0.0.1:9").unwrap();
    s.expect("Default output format").unwrap();
    s.send("\r").unwrap();
    s.expect("Data dir for").unwrap();
    s.send("\r").unwrap();
    s.expect("Fsync policy").unwrap();
    s.send("\r").unwrap();
    s.expect("Auth token").unwrap();
    wait_for_hidden_input(&s);
    s.send("\r").unwrap();
    s.expect("exists. Overwrite it?").unwrap();
    s.send("n").unwrap();
    s.expect("unchanged").unwrap();
    assert_eq!(exit_code(&mut s), Some(0));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
}

#[test]
fn init_without_a_terminal_or_flags_fails_at_once_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    flashq_cmd()
        .args(["--config", path.to_str().unwrap(), "init"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not one"))
        .stderr(predicates::str::contains("hint:"))
        .stderr(predicates::str::contains("--yes"));
    assert!(!path.exists());
}

#[test]
fn init_with_flags_and_yes_writes_without_asking() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("config.toml");
    let data_dir = dir.path().join("data");
    let out = stdout_of(
        flashq_cmd()
            .args(["--config", path.to_str().unwrap(), "init", "--no-check"])
            .args(["--broker", "127.0.0.1:7777", "--default-output", "table"])
            .args(["--data-dir", data_dir.to_str().unwrap()])
            .args(["--fsync", "never", "--token", "hunter2", "--yes"])
            .assert()
            .success(),
    );
    // The result is shown, with the token masked.
    assert!(out.contains("broker = \"http://127.0.0.1:7777\""), "{out}");
    assert!(!out.contains("hunter2"), "token shown: {out}");
    let config = read_config(&path);
    assert_eq!(config["broker"].as_str(), Some("http://127.0.0.1:7777"));
    assert_eq!(config["output"].as_str(), Some("table"));
    assert_eq!(config["data_dir"].as_str(), data_dir.to_str());
    assert_eq!(config["fsync"].as_str(), Some("never"));
    assert_eq!(config["token"].as_str(), Some("hunter2"));
    // No temp file is left beside it.
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");

    // Bad flag values are usage errors and leave the file alone.
    flashq_cmd()
        .args([
            "--config",
            path.to_str().unwrap(),
            "init",
            "--fsync",
            "sometimes",
            "--yes",
        ])
        .assert()
        .code(2);
    flashq_cmd()
        .args(["--config", path.to_str().unwrap(), "init", "--yes"])
        .args(["--broker", "http://not a host:1"])
        .assert()
        .code(2);
    assert_eq!(read_config(&path)["fsync"].as_str(), Some("never"));
}

#[test]
fn init_does_not_overwrite_an_existing_file_without_yes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let original = "broker = \"http://127.0.0.1:1234\"\nfsync = \"always\"\n";
    std::fs::write(&path, original).unwrap();
    let config = path.to_str().unwrap();

    flashq_cmd()
        .args(["--config", config, "init", "--no-check", "--fsync", "never"])
        .assert()
        .code(6)
        .stderr(predicates::str::contains("--yes"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);

    // --yes overwrites; keys without a flag keep the file's values.
    flashq_cmd()
        .args([
            "--config",
            config,
            "init",
            "--no-check",
            "--fsync",
            "never",
            "--yes",
        ])
        .assert()
        .success();
    let written = read_config(&path);
    assert_eq!(written["fsync"].as_str(), Some("never"));
    assert_eq!(written["broker"].as_str(), Some("http://127.0.0.1:1234"));

    // A broken file is what init repairs, not an obstacle.
    std::fs::write(&path, "this is = = not toml").unwrap();
    flashq_cmd()
        .args([
            "--config",
            config,
            "init",
            "--no-check",
            "--default-output",
            "json",
            "--yes",
        ])
        .assert()
        .success();
    assert_eq!(read_config(&path)["output"].as_str(), Some("json"));
}

#[test]
fn demo_creates_produces_and_consumes_through_the_menu() {
    let mut s = spawn_on_pty(&["demo"]);
    s.expect("in-memory broker is running at").unwrap();

    s.expect("What next?").unwrap();
    s.send("\r").unwrap(); // Create a topic
    s.expect("Topic name").unwrap();
    s.send_line("orders").unwrap();
    s.expect("Partitions").unwrap();
    s.send_line("2").unwrap();
    s.expect("topic orders: 2 partitions").unwrap();

    s.expect("What next?").unwrap();
    s.send(format!("{DOWN}\r")).unwrap(); // Produce a record
    s.expect("Which topic?").unwrap();
    s.send("\r").unwrap();
    s.expect("Key").unwrap();
    s.send_line("user-1").unwrap();
    s.expect("Value").unwrap();
    s.send_line("hello-from-the-demo").unwrap();
    s.expect("produced to orders partition").unwrap();

    s.expect("What next?").unwrap();
    s.send(format!("{DOWN}{DOWN}\r")).unwrap(); // Consume
    s.expect("Which topic?").unwrap();
    s.send("\r").unwrap();
    s.expect("hello-from-the-demo").unwrap();
    s.expect("1 record(s) from orders").unwrap();

    s.expect("What next?").unwrap();
    s.send(format!("{DOWN}{DOWN}{DOWN}\r")).unwrap(); // Consume as consumer group
    s.expect("Which topic?").unwrap();
    s.send("\r").unwrap();
    s.expect("as group demo-readers").unwrap();
    s.expect("user-1=hello-from-the-demo").unwrap();
    s.expect("committed: group demo-readers").unwrap();

    s.expect("What next?").unwrap();
    s.send(format!("{DOWN}{DOWN}{DOWN}{DOWN}\r")).unwrap(); // Look at consumer groups
    s.expect("group demo-readers:").unwrap();
    s.expect("LAG").unwrap();

    s.expect("What next?").unwrap();
    s.send(format!("{DOWN}{DOWN}{DOWN}{DOWN}{DOWN}{DOWN}\r"))
        .unwrap(); // Quit
    assert_eq!(exit_code(&mut s), Some(0));
}

#[test]
fn demo_without_a_terminal_fails_at_once_with_a_hint() {
    flashq_cmd()
        .arg("demo")
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("hint:"));
}
