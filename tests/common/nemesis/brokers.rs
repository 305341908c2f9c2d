//! The three `flashq serve` processes of a run, and what the nemesis does to them: kill -9,
//! SIGSTOP/SIGCONT, restart on the same data dir and addresses, and a clean stop at the end.
//!
//! Each broker keeps fixed addresses for the whole run (a restarted broker must be found where
//! its peers and clients expect it) and may run under a launcher (`ip netns exec <ns>`, which
//! execs, so the process id is the broker's own). Its stderr goes to `<dir>/n<id>.log`, appended
//! across restarts. Every process still running is killed on drop, also while a panic unwinds,
//! and with the thread that started it should the test process be killed outright.

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

/// Three brokers that name each other as voters.
pub struct Brokers {
    brokers: Vec<Broker>,
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
        let brokers = places
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
            brokers,
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

    pub fn ids(&self) -> Vec<u64> {
        self.brokers.iter().map(|b| b.id).collect()
    }

    fn broker(&mut self, id: u64) -> &mut Broker {
        &mut self.brokers[id as usize - 1]
    }

    /// The URL clients reach broker `id` at.
    pub fn url(&self, id: u64) -> String {
        format!(
            "http://{}",
            self.brokers[id as usize - 1].place.client_address
        )
    }

    pub fn data_dir(&self, id: u64) -> &Path {
        &self.brokers[id as usize - 1].data_dir
    }

    /// Running and not paused: it can answer.
    pub fn is_answering(&self, id: u64) -> bool {
        let b = &self.brokers[id as usize - 1];
        b.child.is_some() && !b.paused
    }

    pub fn is_running(&self, id: u64) -> bool {
        self.brokers[id as usize - 1].child.is_some()
    }

    /// Starts broker `id` (not running) and waits until it has bound its listeners.
    pub fn start(&mut self, id: u64) {
        let peers = self.peers.clone();
        let flags = self.flags.clone();
        let clock_env = self.clock.as_ref().map_or_else(Vec::new, |c| c.env_for(id));
        let broker = self.broker(id);
        assert!(broker.child.is_none(), "broker {id} is already running");
        let log = File::options()
            .create(true)
            .append(true)
            .open(&broker.log)
            .expect("broker log");
        let place = &broker.place;
        let mut command = match place.launcher.split_first() {
            Some((program, args)) => {
                let mut command = Command::new(program);
                command.args(args).arg(flashq_bin());
                command
            }
            None => Command::new(flashq_bin()),
        };
        command
            .arg("serve")
            .args(["--listen", &place.client_address])
            .arg("--advertised-address")
            .arg(format!("http://{}", place.client_address))
            .arg("--data-dir")
            .arg(&broker.data_dir)
            .args(["--node-id", &id.to_string()])
            .args(["--cluster-listen", &place.cluster_address])
            .args(["--peers", &peers])
            .args(&flags)
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
            Ok(line) if !line.trim().is_empty() => {
                broker.child = Some(child);
                broker.paused = false;
            }
            other => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "broker {id} did not print its address: {other:?}, exit {status:?}; see {}",
                    broker.log.display()
                );
            }
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

    /// Resumes every paused broker and starts every one that is not running.
    pub fn revive_all(&mut self) {
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
        for id in self.ids() {
            self.resume(id);
            if let Some(child) = &self.broker(id).child {
                signal(child, libc::SIGTERM);
            }
        }
        let mut unclean = Vec::new();
        for broker in &mut self.brokers {
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
        for id in self.ids() {
            self.kill(id);
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
