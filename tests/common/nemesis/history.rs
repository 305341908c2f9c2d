//! The history of a nemesis run, as Jepsen keeps one: every write the producers attempted, with
//! when it was invoked, when it completed and how (ok at a partition and offset, fail: certainly
//! not written, info: indeterminate), and every record the following consumer delivered. Times
//! are relative to the start of the run. The workload appends to it; the checker only reads it.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a write ended, as its producer was told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Acknowledged with acks=all: the record is at `offset` of `partition`.
    Ok { partition: u32, offset: u64 },
    /// Certainly not written: the broker refused the request before appending it.
    Fail(String),
    /// Indeterminate: timed out, the connection broke, UNAVAILABLE after an append, or the run
    /// ended while it was in flight. The record may or may not be in the log.
    Info(String),
}

/// One attempted write of a unique value.
#[derive(Debug, Clone)]
pub struct Write {
    pub producer: usize,
    pub value: String,
    /// The partition the record was sent to.
    pub partition: u32,
    pub invoked_at: Duration,
    pub completed_at: Duration,
    pub outcome: Outcome,
}

impl Write {
    /// The partition and offset the write was acknowledged at, if it was.
    pub fn acknowledged_at(&self) -> Option<(u32, u64)> {
        match self.outcome {
            Outcome::Ok { partition, offset } => Some((partition, offset)),
            _ => None,
        }
    }

    /// "p1-7 by producer 1 to partition 0, t+1.200s .. t+1.250s: Ok { .. }".
    pub fn describe(&self) -> String {
        format!(
            "{} by producer {} to partition {}, t+{:.3}s .. t+{:.3}s: {:?}",
            self.value,
            self.producer,
            self.partition,
            self.invoked_at.as_secs_f64(),
            self.completed_at.as_secs_f64(),
            self.outcome
        )
    }
}

/// One record as the following consumer delivered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub partition: u32,
    pub offset: u64,
    pub value: String,
    pub at: Duration,
}

/// Everything the workload saw in one run.
#[derive(Debug, Clone, Default)]
pub struct History {
    pub writes: Vec<Write>,
    /// In the order the consumer delivered them (per partition, the order of its fetches).
    pub deliveries: Vec<Delivery>,
}

/// The history as it is being recorded by several producers and a consumer at once.
#[derive(Clone)]
pub struct Recorder {
    started: Instant,
    history: Arc<Mutex<History>>,
}

impl Recorder {
    pub fn new(started: Instant) -> Recorder {
        Recorder {
            started,
            history: Arc::default(),
        }
    }

    /// Time since the run started.
    pub fn now(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn write(&self, write: Write) {
        self.lock().writes.push(write);
    }

    pub fn delivered(&self, partition: u32, offset: u64, value: String) {
        let at = self.now();
        self.lock().deliveries.push(Delivery {
            partition,
            offset,
            value,
            at,
        });
    }

    /// A copy of the history so far.
    pub fn snapshot(&self) -> History {
        self.lock().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, History> {
        // A producer that panicked mid-push leaves the vectors valid.
        self.history.lock().unwrap_or_else(|e| e.into_inner())
    }
}
