//! A private network for one run: each broker in its own network namespace, joined by a veth
//! pair to a bridge in a hub namespace where the test's clients live, and partitions cut with
//! iptables DROP rules inside the brokers' namespaces.
//!
//! ```text
//!   fq…-n1 [eth0 10.213.X.1] ──veth── v1 ┐
//!   fq…-n2 [eth0 10.213.X.2] ──veth── v2 ┼─ br0 10.213.X.254   (fq…-hub: the workload)
//!   fq…-n3 [eth0 10.213.X.3] ──veth── v3 ┘
//! ```
//!
//! Nothing leaves the machine: the namespaces have no route out. Every namespace is deleted when
//! the [`Network`] drops (also while a panic unwinds), and one left behind by a killed run (its
//! name carries the pid of a process that is gone) is deleted, with anything still running in
//! it, when the next run starts.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Every namespace of this suite starts with this; then `<pid>-<run>-`.
const PREFIX: &str = "fqnem-";
/// Runs made by this process so far: keeps namespace names and subnets apart.
static RUNS: AtomicU32 = AtomicU32::new(0);

/// Something that can be cut off: a broker (by id) or the clients in the hub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    Broker(u64),
    Clients,
}

/// Pairs of nodes that cannot reach each other, in either direction.
pub type Grudge = Vec<(Node, Node)>;

/// Whether this machine can run the namespace mode; `Err` says why not.
pub fn preflight() -> Result<(), String> {
    // SAFETY: geteuid(2) has no arguments and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err("network namespaces need root".to_string());
    }
    for tool in [["ip", "-V"], ["iptables", "--version"]] {
        run_quiet(&tool).map_err(|e| format!("{} is not usable: {e}", tool[0]))?;
    }
    // Root in a container may still lack CAP_NET_ADMIN or nft: try it on a scratch namespace.
    let probe = format!("{PREFIX}{}-probe", std::process::id());
    let tried = run_quiet(&["ip", "netns", "add", &probe]).and_then(|()| {
        run_quiet(&[
            "ip", "netns", "exec", &probe, "iptables", "-w", "-A", "INPUT", "-s", "10.0.0.1", "-j",
            "DROP",
        ])
    });
    let _ = run_quiet(&["ip", "netns", "del", &probe]);
    tried.map_err(|e| format!("cannot make a network namespace with iptables rules: {e}"))
}

/// The namespaces, links and addresses of one run; all removed on drop.
pub struct Network {
    /// `fqnem-<pid>-<run>`.
    name: String,
    /// The third byte of the run's subnet, 10.213.`subnet`.0/24.
    subnet: u8,
    brokers: u64,
    /// Namespaces made so far (for cleanup if making the rest fails).
    made: Vec<String>,
}

impl Network {
    /// Makes the hub and `brokers` broker namespaces, wired to the hub's bridge.
    pub fn create(brokers: u64) -> Network {
        delete_stale_namespaces();
        let run = RUNS.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let mut network = Network {
            name: format!("{PREFIX}{pid}-{run}"),
            // Namespaces keep runs apart anyway; distinct subnets keep the logs unambiguous.
            subnet: ((pid.wrapping_mul(7).wrapping_add(run)) % 250 + 1) as u8,
            brokers,
            made: Vec::new(),
        };
        network.wire();
        network
    }

    fn wire(&mut self) {
        let hub = self.hub();
        self.add_namespace(&hub);
        let bridge_address = format!("{}/24", self.clients_ip());
        ip(&["-n", &hub, "link", "add", "br0", "type", "bridge"]);
        ip(&["-n", &hub, "addr", "add", &bridge_address, "dev", "br0"]);
        ip(&["-n", &hub, "link", "set", "br0", "up"]);
        for id in 1..=self.brokers {
            let ns = self.namespace(id);
            self.add_namespace(&ns);
            let hub_end = format!("v{id}");
            let address = format!("{}/24", self.broker_ip(id));
            ip(&[
                "-n", &hub, "link", "add", &hub_end, "type", "veth", "peer", "name", "eth0",
                "netns", &ns,
            ]);
            ip(&["-n", &hub, "link", "set", &hub_end, "master", "br0", "up"]);
            ip(&["-n", &ns, "addr", "add", &address, "dev", "eth0"]);
            ip(&["-n", &ns, "link", "set", "eth0", "up"]);
        }
    }

    fn add_namespace(&mut self, ns: &str) {
        ip(&["netns", "add", ns]);
        self.made.push(ns.to_string());
        ip(&["-n", ns, "link", "set", "lo", "up"]);
    }

    pub fn hub(&self) -> String {
        format!("{}-hub", self.name)
    }

    pub fn namespace(&self, broker: u64) -> String {
        format!("{}-n{broker}", self.name)
    }

    pub fn broker_ip(&self, broker: u64) -> String {
        format!("10.213.{}.{broker}", self.subnet)
    }

    pub fn clients_ip(&self) -> String {
        format!("10.213.{}.254", self.subnet)
    }

    fn ip_of(&self, node: Node) -> String {
        match node {
            Node::Broker(id) => self.broker_ip(id),
            Node::Clients => self.clients_ip(),
        }
    }

    /// The command prefix that runs a program in broker `id`'s namespace.
    pub fn launcher(&self, broker: u64) -> Vec<String> {
        ["ip", "netns", "exec"]
            .iter()
            .map(|s| s.to_string())
            .chain([self.namespace(broker)])
            .collect()
    }

    /// Moves the calling thread into the hub namespace: every socket it opens from now on, and
    /// every thread and process it starts (a tokio runtime's workers, `flashq` commands), is on
    /// the hub's side of the bridge.
    pub fn enter_hub(&self) {
        let path = format!("/run/netns/{}", self.hub());
        let ns = File::open(&path).unwrap_or_else(|e| panic!("open {path}: {e}"));
        // SAFETY: setns(2) on a namespace file we hold open; it changes only this thread.
        let entered = unsafe { libc::setns(ns.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(
            entered,
            0,
            "setns into {path}: {}",
            std::io::Error::last_os_error()
        );
    }

    /// Drops every packet between each pair of `grudge`, both ways, with rules in the brokers'
    /// namespaces (the hub has none: a broker's own rules cut it off from the clients).
    pub fn cut(&self, grudge: &Grudge) {
        for &(a, b) in grudge {
            for (here, there) in [(a, b), (b, a)] {
                let Node::Broker(id) = here else { continue };
                let ns = self.namespace(id);
                let peer = self.ip_of(there);
                iptables(&ns, &["-A", "INPUT", "-s", &peer, "-j", "DROP"]);
                iptables(&ns, &["-A", "OUTPUT", "-d", &peer, "-j", "DROP"]);
            }
        }
    }

    /// Removes every rule [`Self::cut`] added.
    pub fn heal(&self) {
        for id in 1..=self.brokers {
            iptables(&self.namespace(id), &["-F"]);
        }
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for ns in self.made.iter().rev() {
            // Deleting a namespace removes its end of every veth pair, and its rules with it.
            let _ = run_quiet(&["ip", "netns", "del", ns]);
        }
    }
}

/// Deletes namespaces of this suite whose run's process no longer exists.
fn delete_stale_namespaces() {
    let Ok(output) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        // `ip netns list` prints "name" or "name (id: N)".
        let name = line.split_whitespace().next().unwrap_or_default();
        let Some(rest) = name.strip_prefix(PREFIX) else {
            continue;
        };
        let pid = rest.split('-').next().unwrap_or_default();
        if !pid.is_empty() && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            kill_processes_in(name);
            let _ = run_quiet(&["ip", "netns", "del", name]);
        }
    }
}

/// kill -9 whatever still runs in namespace `ns` (brokers of a run that was killed).
fn kill_processes_in(ns: &str) {
    let Ok(output) = Command::new("ip").args(["netns", "pids", ns]).output() else {
        return;
    };
    for pid in String::from_utf8_lossy(&output.stdout).split_whitespace() {
        if let Ok(pid) = pid.parse::<libc::pid_t>() {
            // SAFETY: kill(2) with a pid read from the namespace; no memory is touched.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
        }
    }
}

fn ip(args: &[&str]) {
    let mut all = vec!["ip"];
    all.extend(args);
    run_quiet(&all).unwrap_or_else(|e| panic!("{}: {e}", all.join(" ")));
}

fn iptables(ns: &str, rule: &[&str]) {
    // -w: the xtables lock is shared by every namespace, and parallel runs cut at once.
    let mut all = vec!["ip", "netns", "exec", ns, "iptables", "-w"];
    all.extend(rule);
    run_quiet(&all).unwrap_or_else(|e| panic!("{}: {e}", all.join(" ")));
}

/// Runs a command; `Err` carries its stderr when it fails.
fn run_quiet(args: &[&str]) -> Result<(), String> {
    let output = Command::new(args[0])
        .args(&args[1..])
        .output()
        .map_err(|e| e.to_string())?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
