//! What an operator does to a running cluster, as the nemesis does it: `flashq topic reassign`
//! (partition moves) and `flashq cluster remove-broker` (membership), through the CLI, the way
//! an operator would. A command goes to one answering founder and, when that one cannot carry
//! it out (paused, cut off, or without a controller to forward it to), to the next, round after
//! round, until one does or time runs out: faults that are still healing must not make an
//! operator's change silently not happen.

use std::time::{Duration, Instant};

use super::brokers::Brokers;
use super::poll;

/// How long one command may take before it is given up on: a paused broker never answers.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(15);

/// How a command came to be carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carried {
    /// This broker carried it out.
    By(u64),
    /// An answer said it had been already: an earlier attempt went through but failed to say
    /// so. With every failure on the way.
    Already(String),
}

/// An operator's command: its arguments, before `--broker`.
#[derive(Debug, Clone)]
pub struct AdminCommand {
    args: Vec<String>,
}

impl AdminCommand {
    /// `topic reassign TOPIC --partition P --replicas A,B,.. --no-wait`: the move starts, and
    /// the command does not wait for it to finish.
    pub fn reassign(topic: &str, partition: u32, replicas: &[u64]) -> AdminCommand {
        let replicas: Vec<String> = replicas.iter().map(u64::to_string).collect();
        AdminCommand {
            args: vec![
                "topic".into(),
                "reassign".into(),
                topic.into(),
                "--partition".into(),
                partition.to_string(),
                "--replicas".into(),
                replicas.join(","),
                "--no-wait".into(),
            ],
        }
    }

    /// `cluster remove-broker N --timeout ..`: moves N's replicas away (the joiner has none),
    /// then takes it out of the Raft voters and the metadata.
    pub fn remove_broker(id: u64) -> AdminCommand {
        AdminCommand {
            args: vec![
                "cluster".into(),
                "remove-broker".into(),
                id.to_string(),
                "--timeout".into(),
                format!("{}s", COMMAND_TIMEOUT.as_secs() - 5),
            ],
        }
    }

    /// Runs the command against answering founders in turn, starting with the one at
    /// `first` (an index, any number), until one carries it out, a failure is one `already`
    /// says means it was carried out before, or `within` passes; `Err` with every different
    /// failure on the way (an attempt that failed may have half happened: the first says what
    /// the later ones ran into).
    pub fn run(
        &self,
        brokers: &Brokers,
        first: u64,
        within: Duration,
        already: impl Fn(&str) -> bool,
    ) -> Result<Carried, String> {
        let ids = brokers.ids();
        let started = Instant::now();
        let mut turn = first as usize;
        let mut failures: Vec<String> = Vec::new();
        let mut done = None;
        let mut done_before = false;
        poll(within, || {
            let answering: Vec<u64> = ids
                .iter()
                .copied()
                .filter(|&id| brokers.is_answering(id))
                .collect();
            for _ in 0..answering.len() {
                let id = answering[turn % answering.len()];
                turn += 1;
                let at = started.elapsed();
                match self.run_on(&brokers.url(id)) {
                    Ok(()) => {
                        done = Some(id);
                        return true;
                    }
                    Err(why) => {
                        done_before = !failures.is_empty() && already(&why);
                        let why = format!("n{id}: {why}");
                        if !failures.iter().any(|f| f.ends_with(&why)) {
                            failures.push(format!("after {:.1} s, {why}", at.as_secs_f64()));
                        }
                        if done_before {
                            return true;
                        }
                    }
                }
            }
            false
        });
        if let Some(id) = done {
            return Ok(Carried::By(id));
        }
        if failures.is_empty() {
            return Err("no founder was answering".to_string());
        }
        let failures = format!("flashq {}: {}", self.args.join(" "), failures.join("; "));
        if done_before {
            Ok(Carried::Already(failures))
        } else {
            Err(failures)
        }
    }

    fn run_on(&self, url: &str) -> Result<(), String> {
        let output = crate::common::flashq_cmd()
            .args(&self.args)
            .args(["--broker", url])
            .timeout(COMMAND_TIMEOUT)
            .output()
            .map_err(|e| format!("cannot run flashq: {e}"))?;
        if output.status.success() {
            return Ok(());
        }
        Err(format!(
            "{}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}
