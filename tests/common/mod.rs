//! Shared harness for integration tests: a real `flashq serve` on 127.0.0.1 port 0 in a temp
//! data dir, driven by the real binary through assert_cmd. The broker is killed on drop.

#![allow(dead_code)]

pub mod api_doc;
pub mod cluster;
pub mod kafka;
pub mod pki;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How long a broker may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a broker may take to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// The path of the built `flashq` binary.
pub fn flashq_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_flashq"))
}

/// A running broker process.
pub struct TestBroker {
    child: Option<Child>,
    pub address: String,
    /// The Kafka listener's bound address (serve's second stdout line), when the extra args
    /// turn on `--kafka-listen`.
    pub kafka_address: Option<String>,
    pub data_dir: PathBuf,
    /// Keeps the temp dir alive when the broker made its own.
    _temp: Option<tempfile::TempDir>,
    extra_args: Vec<String>,
    /// Environment variables set for the broker process (kept for restarts).
    env: Vec<(String, std::ffi::OsString)>,
    /// Where the broker's stderr (its log) goes, appended across restarts; `None`: inherited.
    log_file: Option<PathBuf>,
}

impl TestBroker {
    /// Starts a broker on file storage in a fresh temp dir.
    pub fn start(extra_args: &[&str]) -> TestBroker {
        let temp = tempfile::tempdir().expect("temp dir");
        let data_dir = temp.path().join("data");
        let mut broker = Self::start_in(&data_dir, extra_args);
        broker._temp = Some(temp);
        broker
    }

    /// Starts a broker on an existing data dir (for restarts).
    pub fn start_in(data_dir: &Path, extra_args: &[&str]) -> TestBroker {
        Self::start_in_with_env(data_dir, extra_args, &[])
    }

    /// Starts a broker on `data_dir` with extra environment variables.
    pub fn start_in_with_env(
        data_dir: &Path,
        extra_args: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
    ) -> TestBroker {
        Self::spawn(data_dir, extra_args, env, None)
    }

    /// Starts a broker on `data_dir` whose stderr (its log) is appended to `log_file`, across
    /// restarts too, for tests that check what it reports.
    pub fn start_in_logging_to(
        data_dir: &Path,
        extra_args: &[&str],
        log_file: &Path,
    ) -> TestBroker {
        Self::spawn(data_dir, extra_args, &[], Some(log_file))
    }

    fn spawn(
        data_dir: &Path,
        extra_args: &[&str],
        env: &[(&str, &std::ffi::OsStr)],
        log_file: Option<&Path>,
    ) -> TestBroker {
        let extra_args: Vec<String> = extra_args.iter().map(|s| s.to_string()).collect();
        let env: Vec<(String, std::ffi::OsString)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_os_string()))
            .collect();
        let (child, address, kafka_address) =
            spawn_serve_on(data_dir, &extra_args, &env, "127.0.0.1:0", log_file);
        TestBroker {
            child: Some(child),
            address,
            kafka_address,
            data_dir: data_dir.to_path_buf(),
            _temp: None,
            extra_args,
            env,
            log_file: log_file.map(Path::to_path_buf),
        }
    }

    /// What the broker has logged so far, when it logs to a file.
    pub fn log(&self) -> String {
        self.log_file
            .as_ref()
            .and_then(|path| std::fs::read(path).ok())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default()
    }

    /// Starts `flashq serve` on this (stopped) broker's data dir expecting it to refuse to
    /// start over damaged data: asserts exit 7 and returns its `error:` line.
    pub fn serve_refused(&self) -> String {
        let output = self.serve_cmd().output().expect("run flashq serve");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(7), "{stderr}");
        stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("no error line in {stderr}"))
            .to_string()
    }

    /// Creates `topic` with `partitions` partitions through `flashq topic create`.
    pub fn create_topic(&self, topic: &str, partitions: u32) {
        self.cmd()
            .args(["topic", "create", topic, "-p", &partitions.to_string()])
            .assert()
            .success();
    }

    /// A `flashq` command aimed at this broker, with no config file or environment leaking in.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = flashq_cmd();
        cmd.env("FLASHQ_BROKER", &self.address);
        cmd
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status code.
    pub fn stop(&mut self) -> Option<i32> {
        let mut child = self.child.take()?;
        signal(&child, libc::SIGTERM);
        let status = wait_with_timeout(&mut child, STOP_TIMEOUT);
        status.and_then(|s| s.code())
    }

    /// SIGKILLs the broker, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Stops (SIGTERM) and starts again on the same data dir and flags.
    pub fn restart(&mut self) {
        assert_eq!(self.stop(), Some(0), "broker did not exit cleanly");
        let (child, address, kafka_address) = spawn_serve_on(
            &self.data_dir,
            &self.extra_args,
            &self.env,
            "127.0.0.1:0",
            self.log_file.as_deref(),
        );
        self.child = Some(child);
        self.address = address;
        self.kafka_address = kafka_address;
    }

    /// SIGKILLs the broker and starts it again on the same data dir, flags and address, so
    /// clients that reconnect to the old address find it.
    pub fn crash_and_restart_on_same_address(&mut self) {
        self.kill();
        self.respawn_on_same_address();
    }

    /// Starts a broker that was killed or stopped again, on the same data dir, flags and address.
    pub fn start_again(&mut self) {
        assert!(self.child.is_none(), "the broker is still running");
        self.respawn_on_same_address();
    }

    fn respawn_on_same_address(&mut self) {
        let listen = self.address.clone();
        // The Kafka listener comes back on its old address too.
        let mut args = self.extra_args.clone();
        if let (Some(flag), Some(kafka)) = (kafka_listen_flag(&args), &self.kafka_address) {
            args.splice(flag, ["--kafka-listen".to_string(), kafka.clone()]);
        }
        let (child, address, kafka_address) = spawn_serve_on(
            &self.data_dir,
            &args,
            &self.env,
            &listen,
            self.log_file.as_deref(),
        );
        self.child = Some(child);
        self.address = address;
        self.kafka_address = kafka_address;
    }

    /// `flashq serve` on this broker's data dir, flags and address, for a start that is expected
    /// to fail (run it with `output()`); the broker must be stopped.
    pub fn serve_cmd(&self) -> assert_cmd::Command {
        assert!(self.child.is_none(), "the broker is still running");
        let mut cmd = flashq_cmd();
        cmd.args(["serve", "--listen", &self.address, "--data-dir"])
            .arg(&self.data_dir)
            .args(&self.extra_args)
            .envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd
    }

    /// Whether the broker process is running (started and not killed or stopped).
    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    /// The broker's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGSTOPs the broker, as a long GC pause or a frozen VM would: its sockets stay open and
    /// nothing answers.
    pub fn pause(&self) {
        if let Some(child) = &self.child {
            signal(child, libc::SIGSTOP);
        }
    }

    /// SIGCONTs a paused broker.
    pub fn resume(&self) {
        if let Some(child) = &self.child {
            signal(child, libc::SIGCONT);
        }
    }
}

impl Drop for TestBroker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The byte position in an error line: the number after ` at byte `.
pub fn byte_position(line: &str) -> Option<u64> {
    let (_, after) = line.split_once(" at byte ")?;
    after
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// Flips one bit of the byte in the middle of `path`, in place (a running broker holding the
/// file open sees it too), durably; returns the byte's position.
pub fn flip_middle(path: &Path) -> u64 {
    use std::os::unix::fs::FileExt;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .unwrap();
    let middle = file.metadata().unwrap().len() / 2;
    let mut byte = [0u8; 1];
    file.read_exact_at(&mut byte, middle).unwrap();
    byte[0] ^= 0x10;
    file.write_all_at(&byte, middle).unwrap();
    file.sync_all().unwrap();
    middle
}

/// A `flashq` command with a clean environment: no user config, no FLASHQ_* from outside.
pub fn flashq_cmd() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(flashq_bin());
    for (key, _) in std::env::vars() {
        if key.starts_with("FLASHQ_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("XDG_CONFIG_HOME", "/nonexistent/flashq-test-config");
    cmd.env_remove("RUST_LOG");
    cmd.timeout(Duration::from_secs(60));
    cmd
}

/// Where `args` turn on the Kafka listener: the `--kafka-listen ADDR` (or `--kafka-listen=ADDR`)
/// arguments; `None` when absent or `off`.
fn kafka_listen_flag(args: &[String]) -> Option<std::ops::Range<usize>> {
    args.iter()
        .enumerate()
        .find_map(|(at, arg)| match arg.strip_prefix("--kafka-listen")? {
            "" => args.get(at + 1).filter(|v| *v != "off").map(|_| at..at + 2),
            value => value
                .strip_prefix('=')
                .filter(|v| *v != "off")
                .map(|_| at..at + 1),
        })
}

/// Starts `flashq serve`; returns it with its gRPC address (stdout's first line) and, when
/// `extra_args` turn on `--kafka-listen`, its Kafka address (the second line).
fn spawn_serve_on(
    data_dir: &Path,
    extra_args: &[String],
    env: &[(String, std::ffi::OsString)],
    listen: &str,
    log_file: Option<&Path>,
) -> (Child, String, Option<String>) {
    let stderr = match log_file {
        Some(path) => Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .expect("open the broker's log file"),
        ),
        None => Stdio::inherit(),
    };
    let mut child = Command::new(flashq_bin())
        .args(["serve", "--listen", listen, "--data-dir"])
        .arg(data_dir)
        .args(extra_args)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .env("XDG_CONFIG_HOME", "/nonexistent/flashq-test-config")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("spawn flashq serve");
    let stdout = child.stdout.take().expect("stdout");
    let kafka = kafka_listen_flag(extra_args).is_some();
    let (tx, rx) = mpsc::channel();
    // One thread reads both lines (serve prints them in one write), so they arrive together.
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let mut kafka_line = String::new();
        if kafka {
            let _ = reader.read_line(&mut kafka_line);
        }
        let _ = tx.send((line, kafka_line));
    });
    match rx.recv_timeout(START_TIMEOUT) {
        Ok((line, kafka_line))
            if !line.trim().is_empty() && (!kafka || !kafka_line.trim().is_empty()) =>
        {
            let kafka_address = kafka.then(|| kafka_line.trim().to_string());
            (child, line.trim().to_string(), kafka_address)
        }
        other => {
            let _ = child.kill();
            let status = child.wait();
            panic!("broker did not print its address: {other:?}, exit {status:?}");
        }
    }
}

fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) with a pid we own; no memory is touched.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                return child.wait().ok();
            }
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` passes.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    condition()
}

/// A command's stdout as JSON; `None` when it fails or prints something else.
pub fn json_of(cmd: &mut assert_cmd::Command) -> Option<serde_json::Value> {
    let output = cmd.output().ok()?;
    if !output.status.success() {
        return None;
    }
    serde_json::from_slice(&output.stdout).ok()
}

/// Polls `read` until what it returns meets `condition` (within `timeout`); fails the test with
/// `what` and the last answer otherwise.
pub fn wait_for_json(
    timeout: Duration,
    what: &str,
    mut read: impl FnMut() -> Option<serde_json::Value>,
    condition: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let mut last = None;
    let held = wait_until(timeout, || {
        last = read();
        last.as_ref().is_some_and(&condition)
    });
    assert!(held, "{what}: last answer: {last:?}");
    last.unwrap()
}

/// stdout of a successful command as a string.
pub fn stdout_of(assert: assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).expect("utf-8 stdout")
}

/// A long-running `flashq` command (subscribe, consume --follow) whose output lines are
/// collected by background threads. Killed on drop.
pub struct RunningCommand {
    child: Child,
    stdout: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl RunningCommand {
    /// Starts `flashq ARGS` aimed at `address`.
    pub fn start(address: &str, args: &[&str]) -> RunningCommand {
        let mut child = Command::new(flashq_bin())
            .args(args)
            .env("FLASHQ_BROKER", address)
            .env("XDG_CONFIG_HOME", "/nonexistent/flashq-test-config")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn flashq");
        let stdout = collect_lines(child.stdout.take().expect("stdout"));
        let stderr = collect_lines(child.stderr.take().expect("stderr"));
        RunningCommand {
            child,
            stdout,
            stderr,
        }
    }

    pub fn stdout_lines(&self) -> Vec<String> {
        self.stdout.lock().unwrap().clone()
    }

    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr has a line containing `text`.
    pub fn wait_for_stderr(&self, text: &str, timeout: Duration) -> bool {
        wait_until(timeout, || {
            self.stderr_lines().iter().any(|l| l.contains(text))
        })
    }

    /// Sends SIGTERM and waits for the exit code.
    pub fn terminate(&mut self) -> Option<i32> {
        signal(&self.child, libc::SIGTERM);
        wait_with_timeout(&mut self.child, STOP_TIMEOUT).and_then(|s| s.code())
    }

    /// Waits for the command to exit by itself.
    pub fn wait(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                // Give the reader threads a moment to drain the pipes.
                std::thread::sleep(Duration::from_millis(50));
                return status.code();
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RunningCommand {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect_lines(
    pipe: impl std::io::Read + Send + 'static,
) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = lines.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines() {
            let Ok(line) = line else { return };
            sink.lock().unwrap().push(line);
        }
    });
    lines
}

/// A small deterministic generator (xorshift64*), so a failing input can be replayed by seed.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    /// Up to `max_len` random bytes.
    pub fn bytes(&mut self, max_len: u64) -> Vec<u8> {
        let len = self.below(max_len + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// A `flashq produce` whose stdin the test writes to while it runs; what it prints for each
/// acknowledged line (TOPIC/PARTITION@OFFSET) is kept with the time it arrived.
pub struct FedProducer {
    pub child: Child,
    acked: std::sync::Arc<std::sync::Mutex<Vec<(Instant, String)>>>,
}

impl FedProducer {
    pub fn start(address: &str, args: &[&str]) -> FedProducer {
        let mut child = Command::new(flashq_bin())
            .arg("produce")
            .args(args)
            .env("FLASHQ_BROKER", address)
            .env("XDG_CONFIG_HOME", "/nonexistent/flashq-test-config")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn flashq produce");
        let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = acked.clone();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                sink.lock().unwrap().push((Instant::now(), line));
            }
        });
        FedProducer { child, acked }
    }

    /// The positions printed so far, in order.
    pub fn acked(&self) -> Vec<String> {
        self.acked
            .lock()
            .unwrap()
            .iter()
            .map(|(_, line)| line.clone())
            .collect()
    }

    /// The longest time between two acknowledgements (or from `since` to the first).
    pub fn longest_gap(&self, since: Instant) -> Duration {
        let acked = self.acked.lock().unwrap();
        let mut previous = since;
        let mut longest = Duration::ZERO;
        for (at, _) in acked.iter().filter(|(at, _)| *at >= since) {
            longest = longest.max(*at - previous);
            previous = *at;
        }
        longest
    }

    /// Waits for the exit code; the process is killed when it takes longer than `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Option<i32> {
        let exited = wait_until(timeout, || matches!(self.child.try_wait(), Ok(Some(_))));
        if !exited {
            let _ = self.child.kill();
        }
        let code = self.child.wait().ok()?.code();
        // The reader thread drains what is left in the pipe.
        let drained = self.acked().len();
        wait_until(Duration::from_secs(2), || self.acked().len() > drained);
        code
    }
}

impl Drop for FedProducer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
