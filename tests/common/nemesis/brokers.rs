//! The `flashq serve` processes of a run, and what the nemesis does to them: kill -9,
//! SIGSTOP/SIGCONT, restart on the same data dir and addresses, and a clean stop at the end.
//!
//! Three brokers found the cluster (`--peers`) and hold the topic. Each keeps fixed addresses
//! for the whole run (a restarted broker must be found where its peers and clients expect it)
//! and may run under a launcher (`ip netns exec <ns>`, which execs, so the process id is the
//! broker's own). Its stderr goes to `<dir>/n<id>.log`, appended across restarts. A fourth may
//! join the running cluster for a while (`--join`, see [`Brokers::join`]): on ports of its
//! own choosing, with a fresh data dir each time, never restarted. Every process still running
//! is killed on drop, also while a panic unwinds, and with the thread that started it should
//! the test process be killed outright.

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::clock::ClockControl;
use crate::common::flashq_bin;

/// How long a broker may take to print its address.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a broker may take to exit after SIGTERM.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where one broker listens, and how it is started.
#[derive(Debug, Clone)]
pub struct BrokerPlace {
    /// `host:port` for clients.
    pub client_address: String,
    /// `host:port` for its peers.
    pub cluster_address: String,
    /// A command prefix to run it under (empty: run it directly).
    pub launcher: Vec<String>,
}

struct Broker {
    id: u64,
    place: BrokerPlace,
    data_dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
    paused: bool,
}

/// The brokers of a run: the three that name each other as voters, and the one that joined, if
/// one is in the cluster now.
pub struct Brokers {
    /// Broker `i + 1` at `founders[i]`.
    founders: Vec<Broker>,
    /// A broker that joined the running cluster and has not been stopped yet.
    joiner: Option<Broker>,
    /// How many brokers have joined so far: each gets a data dir of its own.
    joins: u32,
    /// Where data dirs and logs go.
    dir: PathBuf,
    peers: String,
    /// Flags every broker gets (timeouts).
    flags: Vec<String>,
    /// Set when the run jumps clocks: every broker starts under libfaketime.
    clock: Option<ClockControl>,
}

impl Brokers {
    /// The brokers at `places` (broker `i + 1` at `places[i]`), data dirs and logs under `dir`;
    /// none is started yet.
    pub fn new(dir: &Path, places: Vec<BrokerPlace>, flags: &[&str]) -> Brokers {
        let peers = places
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}={}", i + 1, p.cluster_address))
            .collect::<Vec<_>>()
            .join(",");
        let founders = places
            .into_iter()
            .enumerate()
            .map(|(i, place)| Broker {
                id: i as u64 + 1,
                place,
                data_dir: dir.join(format!("n{}", i + 1)),
                log: dir.join(format!("n{}.log", i + 1)),
                child: None,
                paused: false,
            })
            .collect();
        Brokers {
            founders,
            joiner: None,
            joins: 0,
            dir: dir.to_path_buf(),
            peers,
            flags: flags.iter().map(|f| f.to_string()).collect(),
            clock: None,
        }
    }

    /// From now on brokers start with clocks `clock` can move.
    pub fn control_clocks(&mut self, clock: ClockControl) {
        self.clock = Some(clock);
    }

    /// Moves broker `id`'s wall clock `seconds` from the true time; false when the run does not
    /// control clocks.
    pub fn shift_clock(&self, id: u64, seconds: i64) -> bool {
        match &self.clock {
            Some(clock) => {
                clock.shift(id, seconds);
                true
            }
            None => false,
        }
    }

    /// The brokers that founded the cluster: they hold the topic's replicas.
    pub fn ids(&self) -> Vec<u64> {
        self.founders.iter().map(|b| b.id).collect()
    }

    /// The broker that joined, while it runs.
    pub fn joiner(&self) -> Option<u64> {
        self.joiner.as_ref().map(|b| b.id)
    }

    fn find(&self, id: u64) -> &Broker {
        self.founders
            .iter()
            .chain(&self.joiner)
            .find(|b| b.id == id)
            .unwrap_or_else(|| panic!("no broker {id} in this run"))
    }

    fn broker(&mut self, id: u64) -> &mut Broker {
        self.founders
            .iter_mut()
            .chain(&mut self.joiner)
            .find(|b| b.id == id)
            .unwrap_or_else(|| panic!("no broker {id} in this run"))
    }

    /// The URL clients reach broker `id` at.
    pub fn url(&self, id: u64) -> String {
        format!("http://{}", self.find(id).place.client_address)
    }

    /// Where founder `id`'s peers reach it (a joiner's port is its own choice: the metadata
    /// has it).
    pub fn cluster_address(&self, id: u64) -> &str {
        &self.founders[id as usize - 1].place.cluster_address
    }

    pub fn data_dir(&self, id: u64) -> &Path {
        &self.find(id).data_dir
    }

    /// Running and not paused: it can answer.
    pub fn is_answering(&self, id: u64) -> bool {
        let b = self.find(id);
        b.child.is_some() && !b.paused
    }

    pub fn is_running(&self, id: u64) -> bool {
        self.find(id).child.is_some()
    }

    /// Starts founder `id` (not running) and waits until it has bound its listeners.
    pub fn start(&mut self, id: u64) {
        let peers = self.peers.clone();
        let clock_env = self.clock.as_ref().map_or_else(Vec::new, |c| c.env_for(id));
        let flags = self.flags.clone();
        let broker = self.broker(id);
        assert!(broker.child.is_none(), "broker {id} is already running");
        let place = &broker.place;
        let mut args: Vec<OsString> = vec![
            "--listen".into(),
            place.client_address.clone().into(),
            "--advertised-address".into(),
            format!("http://{}", place.client_address).into(),
            "--cluster-listen".into(),
            place.cluster_address.clone().into(),
            "--peers".into(),
            peers.into(),
        ];
        args.extend(flags.into_iter().map(OsString::from));
        match launch(broker, &args, clock_env) {
            Ok((child, _bound)) => {
                broker.child = Some(child);
                broker.paused = false;
            }
            Err(why) => panic!("broker {id}: {why}"),
        }
    }

    /// Starts broker `id` (no other broker of the run has it) joining the running cluster
    /// through `seed`, a live broker's cluster address, as a voter once it has caught up
    /// (`--join --join-as-voter`), with a fresh data dir and ports of its own choosing; returns
    /// once it has joined (as a learner) and bound its listeners, or why it did not.
    pub fn join(&mut self, id: u64, seed: &str) -> Result<(), String> {
        assert!(
            self.joiner.is_none() && !self.ids().contains(&id),
            "broker {id} is in the cluster already"
        );
        self.joins += 1;
        let mut broker = Broker {
            id,
            place: BrokerPlace {
                client_address: "127.0.0.1:0".to_string(),
                cluster_address: "127.0.0.1:0".to_string(),
                launcher: Vec::new(),
            },
            data_dir: self.dir.join(format!("n{id}-join{}", self.joins)),
            log: self.dir.join(format!("n{id}.log")),
            child: None,
            paused: false,
        };
        // It may be the controller when a clock jump picks one: it runs under the clock too.
        let clock_env = match &self.clock {
            Some(clock) => {
                clock.shift(id, 0);
                clock.env_for(id)
            }
            None => Vec::new(),
        };
        let mut args: Vec<OsString> = [
            "--listen",
            broker.place.client_address.as_str(),
            "--cluster-listen",
            broker.place.cluster_address.as_str(),
            "--join",
            seed,
            "--join-as-voter",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        args.extend(self.flags.iter().map(OsString::from));
        let (child, bound) = launch(&broker, &args, clock_env)?;
        broker.place.client_address = bound;
        broker.child = Some(child);
        self.joiner = Some(broker);
        Ok(())
    }

    /// SIGTERM to the broker that joined, if one runs (resumed first if paused), and waits for
    /// it to exit; `Err` with how it ended unless that was cleanly. It is no broker of the run
    /// any more.
    pub fn stop_joiner(&mut self) -> Result<(), Option<ExitStatus>> {
        let Some(mut child) = self.joiner.take().and_then(|mut b| {
            if b.paused
                && let Some(child) = &b.child
            {
                signal(child, libc::SIGCONT);
            }
            b.child.take()
        }) else {
            return Ok(());
        };
        signal(&child, libc::SIGTERM);
        match wait_with_timeout(&mut child, STOP_TIMEOUT) {
            Some(status) if status.success() => Ok(()),
            other => Err(other),
        }
    }

    /// kill -9; returns whether it was running.
    pub fn kill(&mut self, id: u64) -> bool {
        let broker = self.broker(id);
        let Some(mut child) = broker.child.take() else {
            return false;
        };
        let _ = child.kill();
        let _ = child.wait();
        broker.paused = false;
        true
    }

    /// SIGSTOP; returns whether it was running and not yet paused.
    pub fn pause(&mut self, id: u64) -> bool {
        let broker = self.broker(id);
        match &broker.child {
            Some(child) if !broker.paused => {
                signal(child, libc::SIGSTOP);
                broker.paused = true;
                true
            }
            _ => false,
        }
    }

    /// SIGCONT a paused broker.
    pub fn resume(&mut self, id: u64) {
        let broker = self.broker(id);
        if let (Some(child), true) = (&broker.child, broker.paused) {
            signal(child, libc::SIGCONT);
            broker.paused = false;
        }
    }

    /// Resumes every paused broker and starts every founder that is not running.
    pub fn revive_all(&mut self) {
        if let Some(id) = self.joiner() {
            self.resume(id);
        }
        for id in self.ids() {
            self.resume(id);
            if !self.is_running(id) {
                self.start(id);
            }
        }
    }

    /// SIGTERM to every running broker at once, then waits for each to exit; returns the
    /// brokers that did not exit cleanly, with how they ended.
    pub fn stop_all(&mut self) -> Vec<(u64, Option<ExitStatus>)> {
        let everyone: Vec<u64> = self.ids().into_iter().chain(self.joiner()).collect();
        for &id in &everyone {
            self.resume(id);
            if let Some(child) = &self.broker(id).child {
                signal(child, libc::SIGTERM);
            }
        }
        let mut unclean = Vec::new();
        for broker in self.founders.iter_mut().chain(&mut self.joiner) {
            let Some(mut child) = broker.child.take() else {
                continue;
            };
            let status = wait_with_timeout(&mut child, STOP_TIMEOUT);
            if !status.is_some_and(|s| s.success()) {
                unclean.push((broker.id, status));
            }
        }
        unclean
    }
}

impl Drop for Brokers {
    fn drop(&mut self) {
        for id in self.ids().into_iter().chain(self.joiner()) {
            self.kill(id);
        }
    }
}

/// Starts `flashq serve` for `broker` with `args` besides its data dir and id (under its
/// launcher, stderr to its log), and waits until it prints the address it bound; returns the
/// process and that address, or why it did not start (it is gone then).
fn launch(
    broker: &Broker,
    args: &[OsString],
    clock_env: Vec<(&'static str, OsString)>,
) -> Result<(Child, String), String> {
    let log = File::options()
        .create(true)
        .append(true)
        .open(&broker.log)
        .expect("broker log");
    let mut command = match broker.place.launcher.split_first() {
        Some((program, launcher_args)) => {
            let mut command = Command::new(program);
            command.args(launcher_args).arg(flashq_bin());
            command
        }
        None => Command::new(flashq_bin()),
    };
    command
        .arg("serve")
        .arg("--data-dir")
        .arg(&broker.data_dir)
        .args(["--node-id", &broker.id.to_string()])
        .args(args)
        .env("XDG_CONFIG_HOME", "/nonexistent/flashq-test-config")
        .env_remove("RUST_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log));
    for (key, _) in std::env::vars() {
        if key.starts_with("FLASHQ_") {
            command.env_remove(key);
        }
    }
    command.envs(clock_env);
    // SAFETY: prctl(2) is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            // Should the test itself be killed (no Drop runs), the broker dies with the
            // thread that started it, which lives as long as the run; it survives exec.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn().expect("spawn flashq serve");
    let stdout = child.stdout.take().expect("stdout");
    let (bound, bound_rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let _ = reader.read_line(&mut line);
        let _ = bound.send(line);
        // Keep draining, so a broker that prints more never blocks on a full pipe.
        let _ = std::io::copy(&mut reader, &mut std::io::sink());
    });
    match bound_rx.recv_timeout(START_TIMEOUT) {
        Ok(line) if !line.trim().is_empty() => Ok((child, line.trim().to_string())),
        other => {
            let _ = child.kill();
            let status = child.wait();
            Err(format!(
                "did not print its address: {other:?}, exit {status:?}; see {}",
                broker.log.display()
            ))
        }
    }
}

fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill(2) on a child we have not reaped; no memory is touched.
    unsafe {
        libc::kill(child.id() as libc::pid_t, signal);
    }
}

fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}
