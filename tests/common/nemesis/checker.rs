//! The checker: pure functions from a run's [`History`] and every broker's final copy of every
//! partition to named, counted anomalies, as Jepsen's kafka checker names them:
//!
//! - **lost**: acknowledged (or delivered to the consumer), missing from a broker's final log;
//! - **duplicated**: one value at two offsets of a log, or delivered at two offsets;
//! - **reordered**: a producer's later write before an earlier one in a partition's log (its
//!   values `p<producer>-<n>` count up, and it writes one at a time);
//! - **inconsistent**: two values claimed for one partition and offset by acknowledgements,
//!   deliveries and the brokers' logs, or a value claimed at an offset its log holds it elsewhere;
//! - **divergent**: the brokers' final logs of a partition differ at an offset (after healing
//!   and full ISRs all three must be identical);
//! - **nonmonotonic** / **skipped**: the following consumer went back, repeated, or jumped over
//!   offsets within a partition;
//! - **undelivered**: acknowledged and in the final log, but never delivered by the consumer;
//! - **failed-present**: a write that failed (certainly not written) is in a log anyway;
//! - **unexpected**: a value in a log or delivered that no producer ever wrote.
//!
//! Nothing here touches a process or the network, so the unit tests below feed it hand-made
//! histories.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::time::Duration;

use super::history::{History, Outcome, Write};

/// One broker's copy of one partition: (offset, value) in log order.
pub type PartitionLog = Vec<(u64, String)>;

/// Every broker's final copy of every partition: broker id -> partition -> log.
pub type FinalLogs = BTreeMap<u64, BTreeMap<u32, PartitionLog>>;

/// A value acknowledged or delivered that some broker's final log lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lost {
    pub value: String,
    pub partition: u32,
    /// Where the producer was told it is, or where the consumer read it.
    pub claimed_offset: u64,
    /// "acknowledged" or "delivered".
    pub how: &'static str,
    pub missing_on: Vec<u64>,
    /// The write that put it there, as the history has it (when and by whom).
    pub write: Option<String>,
}

/// A value found at more than one offset of its partition, by at least one source (a broker's
/// log, or the consumer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub value: String,
    pub partition: u32,
    /// Each source ("broker N", "consumer") that has it more than once, with the offsets.
    pub sources: Vec<SourceOffsets>,
}

/// A source ("broker N", "consumer") and the offsets it has one value at.
pub type SourceOffsets = (String, Vec<u64>);

/// A producer's write stored before one it made earlier, in one broker's log of a partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reordered {
    pub broker: u64,
    pub partition: u32,
    /// The later write, and where.
    pub later: (u64, String),
    /// The earlier write, stored after it.
    pub earlier: (u64, String),
}

/// One partition and offset that sources disagree about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inconsistent {
    pub partition: u32,
    pub offset: u64,
    /// (source, value) for every claim; "<none>" where a log holds nothing at the offset but
    /// holds the claimed value elsewhere.
    pub claims: Vec<(String, String)>,
}

/// An offset where the brokers' final logs differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Divergence {
    pub partition: u32,
    pub offset: u64,
    /// Per broker: the value it holds there, if any.
    pub values: BTreeMap<u64, Option<String>>,
}

/// The consumer delivered `offset` right after `previous` in one partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollAnomaly {
    pub partition: u32,
    /// `None` for the first delivery of the partition.
    pub previous: Option<u64>,
    pub offset: u64,
}

/// Everything the checker found in one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    pub acknowledged: usize,
    pub failed: usize,
    pub info: usize,
    pub delivered: usize,
    pub lost: Vec<Lost>,
    pub duplicated: Vec<Duplicate>,
    pub reordered: Vec<Reordered>,
    pub inconsistent: Vec<Inconsistent>,
    pub divergent: Vec<Divergence>,
    pub nonmonotonic: Vec<PollAnomaly>,
    pub skipped: Vec<PollAnomaly>,
    pub undelivered: Vec<String>,
    pub failed_present: Vec<String>,
    pub unexpected: Vec<String>,
}

/// Checks `history` against the brokers' final logs.
pub fn check(history: &History, logs: &FinalLogs) -> Analysis {
    let mut analysis = Analysis {
        delivered: history.deliveries.len(),
        ..Analysis::default()
    };
    for write in &history.writes {
        match write.outcome {
            Outcome::Ok { .. } => analysis.acknowledged += 1,
            Outcome::Fail(_) => analysis.failed += 1,
            Outcome::Info(_) => analysis.info += 1,
        }
    }
    let indexed = IndexedLogs::new(logs);
    analysis.lost = lost(history, &indexed);
    analysis.duplicated = duplicated(history, &indexed);
    analysis.reordered = reordered(logs);
    analysis.inconsistent = inconsistent(history, &indexed);
    analysis.divergent = divergent(logs);
    (analysis.nonmonotonic, analysis.skipped) = poll_anomalies(history);
    analysis.undelivered = undelivered(history, &indexed);
    (analysis.failed_present, analysis.unexpected) = stray_values(history, &indexed);
    analysis
}

/// The final logs, indexed both ways: per broker and partition, offset -> value and
/// value -> offsets.
struct IndexedLogs {
    brokers: Vec<u64>,
    at: HashMap<(u64, u32), BTreeMap<u64, String>>,
    offsets_of: HashMap<(u64, u32), HashMap<String, Vec<u64>>>,
}

impl IndexedLogs {
    fn new(logs: &FinalLogs) -> IndexedLogs {
        let mut indexed = IndexedLogs {
            brokers: logs.keys().copied().collect(),
            at: HashMap::new(),
            offsets_of: HashMap::new(),
        };
        for (&broker, partitions) in logs {
            for (&partition, log) in partitions {
                let at = indexed.at.entry((broker, partition)).or_default();
                let offsets_of = indexed.offsets_of.entry((broker, partition)).or_default();
                for (offset, value) in log {
                    at.insert(*offset, value.clone());
                    offsets_of.entry(value.clone()).or_default().push(*offset);
                }
            }
        }
        indexed
    }

    fn value_at(&self, broker: u64, partition: u32, offset: u64) -> Option<&String> {
        self.at.get(&(broker, partition))?.get(&offset)
    }

    fn offsets_of(&self, broker: u64, partition: u32, value: &str) -> &[u64] {
        self.offsets_of
            .get(&(broker, partition))
            .and_then(|values| values.get(value))
            .map_or(&[], Vec::as_slice)
    }

    fn holds(&self, broker: u64, partition: u32, value: &str) -> bool {
        !self.offsets_of(broker, partition, value).is_empty()
    }

    /// Whether any broker holds `value` anywhere.
    fn anywhere(&self, value: &str) -> bool {
        self.offsets_of
            .values()
            .any(|values| values.contains_key(value))
    }
}

/// The (partition, offset, value) claims of the history: acknowledgements and deliveries.
fn claims(history: &History) -> impl Iterator<Item = (&'static str, u32, u64, &str)> {
    let acks = history.writes.iter().filter_map(|w| {
        w.acknowledged_at()
            .map(|(partition, offset)| ("acknowledged", partition, offset, w.value.as_str()))
    });
    let deliveries = history
        .deliveries
        .iter()
        .map(|d| ("delivered", d.partition, d.offset, d.value.as_str()));
    acks.chain(deliveries)
}

fn lost(history: &History, logs: &IndexedLogs) -> Vec<Lost> {
    let writes: HashMap<&str, &Write> = history
        .writes
        .iter()
        .map(|w| (w.value.as_str(), w))
        .collect();
    let mut seen = HashSet::new();
    let mut lost = Vec::new();
    for (how, partition, offset, value) in claims(history) {
        if !seen.insert(value) {
            continue;
        }
        let missing_on: Vec<u64> = logs
            .brokers
            .iter()
            .copied()
            .filter(|&b| !logs.holds(b, partition, value))
            .collect();
        if !missing_on.is_empty() {
            lost.push(Lost {
                value: value.to_string(),
                partition,
                claimed_offset: offset,
                how,
                missing_on,
                write: writes.get(value).map(|w| w.describe()),
            });
        }
    }
    lost
}

/// `p<producer>-<n>` as (producer, n); `None` for any other value.
fn producer_and_number(value: &str) -> Option<(u64, u64)> {
    let (producer, n) = value.strip_prefix('p')?.split_once('-')?;
    Some((producer.parse().ok()?, n.parse().ok()?))
}

fn reordered(logs: &FinalLogs) -> Vec<Reordered> {
    let mut found = Vec::new();
    for (&broker, partitions) in logs {
        for (&partition, log) in partitions {
            // Per producer: the highest write seen so far in this log, and where.
            let mut highest: HashMap<u64, (u64, u64, &str)> = HashMap::new();
            for (offset, value) in log {
                let Some((producer, n)) = producer_and_number(value) else {
                    continue;
                };
                match highest.get(&producer) {
                    Some(&(top, at, top_value)) if n < top => found.push(Reordered {
                        broker,
                        partition,
                        later: (at, top_value.to_string()),
                        earlier: (*offset, value.clone()),
                    }),
                    _ => {
                        highest.insert(producer, (n, *offset, value));
                    }
                }
            }
        }
    }
    found
}

fn duplicated(history: &History, logs: &IndexedLogs) -> Vec<Duplicate> {
    let mut found: BTreeMap<(u32, String), Vec<SourceOffsets>> = BTreeMap::new();
    let mut keys: Vec<&(u64, u32)> = logs.offsets_of.keys().collect();
    keys.sort();
    for key @ &(broker, partition) in keys {
        for (value, offsets) in &logs.offsets_of[key] {
            if offsets.len() > 1 {
                found
                    .entry((partition, value.clone()))
                    .or_default()
                    .push((format!("broker {broker}"), offsets.clone()));
            }
        }
    }
    let mut delivered: BTreeMap<(u32, &str), BTreeSet<u64>> = BTreeMap::new();
    for d in &history.deliveries {
        delivered
            .entry((d.partition, &d.value))
            .or_default()
            .insert(d.offset);
    }
    for ((partition, value), offsets) in delivered {
        if offsets.len() > 1 {
            found
                .entry((partition, value.to_string()))
                .or_default()
                .push(("consumer".to_string(), offsets.into_iter().collect()));
        }
    }
    found
        .into_iter()
        .map(|((partition, value), sources)| Duplicate {
            value,
            partition,
            sources,
        })
        .collect()
}

fn inconsistent(history: &History, logs: &IndexedLogs) -> Vec<Inconsistent> {
    // Every claim on each position, from every source.
    let mut positions: BTreeMap<(u32, u64), BTreeSet<(String, String)>> = BTreeMap::new();
    for (how, partition, offset, value) in claims(history) {
        let entry = positions.entry((partition, offset)).or_default();
        entry.insert((how.to_string(), value.to_string()));
        // A log holding the claimed value, but not at the claimed offset, contradicts the claim
        // even when it holds nothing there.
        for &broker in &logs.brokers {
            if logs.value_at(broker, partition, offset).is_none()
                && logs.holds(broker, partition, value)
            {
                entry.insert((format!("broker {broker}"), "<none>".to_string()));
            }
        }
    }
    for (&(broker, partition), at) in &logs.at {
        for (&offset, value) in at {
            positions
                .entry((partition, offset))
                .or_default()
                .insert((format!("broker {broker}"), value.clone()));
        }
    }
    positions
        .into_iter()
        .filter(|(_, claims)| {
            claims
                .iter()
                .map(|(_, value)| value)
                .collect::<BTreeSet<_>>()
                .len()
                > 1
        })
        .map(|((partition, offset), claims)| Inconsistent {
            partition,
            offset,
            claims: claims.into_iter().collect(),
        })
        .collect()
}

fn divergent(logs: &FinalLogs) -> Vec<Divergence> {
    let partitions: BTreeSet<u32> = logs.values().flat_map(|ps| ps.keys().copied()).collect();
    let mut divergent = Vec::new();
    for partition in partitions {
        let by_broker: BTreeMap<u64, BTreeMap<u64, &String>> = logs
            .iter()
            .map(|(&broker, ps)| {
                let log = ps.get(&partition).map(Vec::as_slice).unwrap_or_default();
                (broker, log.iter().map(|(o, v)| (*o, v)).collect())
            })
            .collect();
        let offsets: BTreeSet<u64> = by_broker.values().flat_map(|l| l.keys().copied()).collect();
        for offset in offsets {
            let values: BTreeMap<u64, Option<String>> = by_broker
                .iter()
                .map(|(&broker, log)| (broker, log.get(&offset).map(|v| (*v).clone())))
                .collect();
            if values.values().collect::<BTreeSet<_>>().len() > 1 {
                divergent.push(Divergence {
                    partition,
                    offset,
                    values,
                });
            }
        }
    }
    divergent
}

/// Within each partition the consumer must deliver offsets 0, 1, 2, ... in order: an offset not
/// above the previous one is nonmonotonic, one past the next expected is a skip.
fn poll_anomalies(history: &History) -> (Vec<PollAnomaly>, Vec<PollAnomaly>) {
    let mut previous: HashMap<u32, u64> = HashMap::new();
    let (mut nonmonotonic, mut skipped) = (Vec::new(), Vec::new());
    for d in &history.deliveries {
        let last = previous.insert(d.partition, d.offset);
        let expected = last.map_or(0, |o| o + 1);
        let anomaly = PollAnomaly {
            partition: d.partition,
            previous: last,
            offset: d.offset,
        };
        if d.offset < expected {
            nonmonotonic.push(anomaly);
        } else if d.offset > expected {
            skipped.push(anomaly);
        }
    }
    (nonmonotonic, skipped)
}

fn undelivered(history: &History, logs: &IndexedLogs) -> Vec<String> {
    let delivered: HashSet<&str> = history
        .deliveries
        .iter()
        .map(|d| d.value.as_str())
        .collect();
    history
        .writes
        .iter()
        .filter(|w| w.acknowledged_at().is_some())
        .filter(|w| !delivered.contains(w.value.as_str()) && logs.anywhere(&w.value))
        .map(|w| w.value.clone())
        .collect()
}

/// Failed writes found anyway, and values nobody wrote.
fn stray_values(history: &History, logs: &IndexedLogs) -> (Vec<String>, Vec<String>) {
    let delivered: HashSet<&str> = history
        .deliveries
        .iter()
        .map(|d| d.value.as_str())
        .collect();
    let failed_present = history
        .writes
        .iter()
        .filter(|w| matches!(w.outcome, Outcome::Fail(_)))
        .filter(|w| logs.anywhere(&w.value) || delivered.contains(w.value.as_str()))
        .map(|w| w.value.clone())
        .collect();
    let written: HashSet<&str> = history.writes.iter().map(|w| w.value.as_str()).collect();
    let mut found: BTreeSet<&str> = logs
        .offsets_of
        .values()
        .flat_map(|values| values.keys().map(String::as_str))
        .collect();
    found.extend(delivered);
    let unexpected = found
        .into_iter()
        .filter(|v| !written.contains(v))
        .map(str::to_string)
        .collect();
    (failed_present, unexpected)
}

/// A moment of the run after which writes are expected to be acknowledged again: a fault
/// healed, or a leader died (then only writes to the partitions it led count).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Milestone {
    pub label: String,
    pub at: Duration,
    /// The partitions to watch; `None`: any.
    pub partitions: Option<Vec<u32>>,
}

/// How long after `milestone` the first write (to its partitions) was acknowledged; `None`
/// when none was before the run ended.
pub fn first_ack_after(history: &History, milestone: &Milestone) -> Option<Duration> {
    history
        .writes
        .iter()
        .filter(|w| w.completed_at >= milestone.at)
        .filter(|w| match (&milestone.partitions, w.acknowledged_at()) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(watched), Some((partition, _))) => watched.contains(&partition),
        })
        .map(|w| w.completed_at - milestone.at)
        .min()
}

impl Analysis {
    /// Whether the run kept every promise the short form asserts: nothing acknowledged lost,
    /// nothing stored twice (the producers are idempotent), every producer's writes in order,
    /// no two values at one offset, replicas identical.
    pub fn is_safe(&self) -> bool {
        self.lost.is_empty()
            && self.duplicated.is_empty()
            && self.reordered.is_empty()
            && self.inconsistent.is_empty()
            && self.divergent.is_empty()
    }

    /// Every counter, named as in the module docs, in table order.
    pub fn counts(&self) -> Vec<(&'static str, usize)> {
        vec![
            ("acknowledged", self.acknowledged),
            ("failed", self.failed),
            ("info", self.info),
            ("delivered", self.delivered),
            ("lost", self.lost.len()),
            ("duplicated", self.duplicated.len()),
            ("reordered", self.reordered.len()),
            ("inconsistent", self.inconsistent.len()),
            ("divergent", self.divergent.len()),
            ("nonmonotonic", self.nonmonotonic.len()),
            ("skipped", self.skipped.len()),
            ("undelivered", self.undelivered.len()),
            ("failed-present", self.failed_present.len()),
            ("unexpected", self.unexpected.len()),
        ]
    }

    /// The counters as a two-row table, then the first few examples of each anomaly found.
    pub fn describe(&self) -> String {
        let counts = self.counts();
        let mut names = String::new();
        let mut values = String::new();
        for (name, count) in &counts {
            let width = name.len().max(count.to_string().len());
            let _ = write!(names, "| {name:>width$} ");
            let _ = write!(values, "| {count:>width$} ");
        }
        let mut out = format!("{names}|\n{values}|\n");
        examples(&mut out, "lost", &self.lost);
        examples(&mut out, "duplicated", &self.duplicated);
        examples(&mut out, "reordered", &self.reordered);
        examples(&mut out, "inconsistent", &self.inconsistent);
        examples(&mut out, "divergent", &self.divergent);
        examples(&mut out, "nonmonotonic", &self.nonmonotonic);
        examples(&mut out, "skipped", &self.skipped);
        examples(&mut out, "undelivered", &self.undelivered);
        examples(&mut out, "failed-present", &self.failed_present);
        examples(&mut out, "unexpected", &self.unexpected);
        out
    }
}

/// How many examples of each anomaly a report shows.
const EXAMPLES_SHOWN: usize = 8;
/// How much of one example a report shows (a value duplicated a million times has a long list
/// of offsets).
const EXAMPLE_CHARS: usize = 400;

fn examples<T: std::fmt::Debug>(out: &mut String, name: &str, found: &[T]) {
    if found.is_empty() {
        return;
    }
    let _ = writeln!(out, "{name} ({}), first {EXAMPLES_SHOWN}:", found.len());
    for example in found.iter().take(EXAMPLES_SHOWN) {
        let text = format!("{example:?}");
        match text.char_indices().nth(EXAMPLE_CHARS) {
            Some((cut, _)) => {
                let _ = writeln!(out, "  {} ...", &text[..cut]);
            }
            None => {
                let _ = writeln!(out, "  {text}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::history::Delivery;
    use super::*;

    fn ok(value: &str, partition: u32, offset: u64) -> Write {
        write(value, partition, Outcome::Ok { partition, offset })
    }

    fn write(value: &str, partition: u32, outcome: Outcome) -> Write {
        Write {
            producer: 0,
            value: value.to_string(),
            partition,
            invoked_at: Duration::ZERO,
            completed_at: Duration::from_millis(10),
            outcome,
        }
    }

    fn delivery(partition: u32, offset: u64, value: &str) -> Delivery {
        Delivery {
            partition,
            offset,
            value: value.to_string(),
            at: Duration::from_millis(20),
        }
    }

    fn log(values: &[&str]) -> PartitionLog {
        values
            .iter()
            .enumerate()
            .map(|(o, v)| (o as u64, v.to_string()))
            .collect()
    }

    /// Three brokers holding the same copy of partition 0.
    fn same_on_all(values: &[&str]) -> FinalLogs {
        (1..=3).map(|b| (b, [(0, log(values))].into())).collect()
    }

    /// Acknowledged a, b, c at 0, 1, 2, all delivered in order.
    fn clean_history() -> History {
        History {
            writes: vec![ok("a", 0, 0), ok("b", 0, 1), ok("c", 0, 2)],
            deliveries: vec![
                delivery(0, 0, "a"),
                delivery(0, 1, "b"),
                delivery(0, 2, "c"),
            ],
        }
    }

    #[test]
    fn a_clean_run_has_no_anomalies() {
        let analysis = check(&clean_history(), &same_on_all(&["a", "b", "c"]));
        assert!(analysis.is_safe(), "{}", analysis.describe());
        assert_eq!(analysis.acknowledged, 3);
        for (name, count) in analysis.counts().into_iter().skip(4) {
            assert_eq!(count, 0, "{name}");
        }
    }

    #[test]
    fn an_acknowledged_value_missing_on_one_broker_is_lost() {
        let mut logs = same_on_all(&["a", "b", "c"]);
        logs.insert(2, [(0, log(&["a", "b"]))].into());
        let analysis = check(&clean_history(), &logs);
        assert_eq!(analysis.lost.len(), 1);
        assert_eq!(analysis.lost[0].value, "c");
        assert_eq!(analysis.lost[0].missing_on, vec![2]);
        assert_eq!(analysis.divergent.len(), 1);
        assert!(!analysis.is_safe());
    }

    #[test]
    fn a_delivered_value_gone_from_every_log_is_lost() {
        let mut history = clean_history();
        history.writes[2].outcome = Outcome::Info("timed out".into());
        let analysis = check(&history, &same_on_all(&["a", "b"]));
        assert_eq!(analysis.lost.len(), 1);
        assert_eq!(analysis.lost[0].how, "delivered");
        assert_eq!(analysis.lost[0].missing_on, vec![1, 2, 3]);
    }

    #[test]
    fn indeterminate_writes_may_or_may_not_be_there() {
        let mut history = clean_history();
        history
            .writes
            .push(write("d", 0, Outcome::Info("timed out".into())));
        history
            .writes
            .push(write("e", 0, Outcome::Info("timed out".into())));
        history.deliveries.push(delivery(0, 3, "d"));
        let analysis = check(&history, &same_on_all(&["a", "b", "c", "d"]));
        assert!(analysis.is_safe(), "{}", analysis.describe());
        assert_eq!(analysis.info, 2);
        assert!(analysis.undelivered.is_empty());
    }

    #[test]
    fn a_value_at_two_offsets_is_duplicated_not_inconsistent() {
        let history = History {
            writes: vec![ok("a", 0, 0), ok("b", 0, 2)],
            deliveries: vec![
                delivery(0, 0, "a"),
                delivery(0, 1, "b"),
                delivery(0, 2, "b"),
            ],
        };
        let analysis = check(&history, &same_on_all(&["a", "b", "b"]));
        // One value, twice in each broker's log and twice delivered.
        assert_eq!(analysis.duplicated.len(), 1);
        assert_eq!(analysis.duplicated[0].sources.len(), 4);
        assert_eq!(
            analysis.duplicated[0].sources[3],
            ("consumer".into(), vec![1, 2])
        );
        // The producers are idempotent: a record stored twice breaks a promise.
        assert!(!analysis.is_safe(), "{}", analysis.describe());
    }

    #[test]
    fn a_producers_earlier_write_stored_after_a_later_one_is_reordered() {
        let history = History {
            writes: vec![ok("p1-0", 0, 1), ok("p1-1", 0, 0), ok("p2-0", 0, 2)],
            deliveries: Vec::new(),
        };
        let analysis = check(&history, &same_on_all(&["p1-1", "p1-0", "p2-0"]));
        assert_eq!(analysis.reordered.len(), 3, "one per broker");
        assert_eq!(analysis.reordered[0].earlier, (1, "p1-0".to_string()));
        assert!(!analysis.is_safe());
    }

    #[test]
    fn an_acknowledged_offset_holding_another_value_is_inconsistent() {
        // b was acknowledged at 1, but after a truncation 1 holds x, and b is nowhere.
        let history = History {
            writes: vec![
                ok("a", 0, 0),
                ok("b", 0, 1),
                write("x", 0, Outcome::Info("timed out".into())),
            ],
            deliveries: vec![delivery(0, 0, "a"), delivery(0, 1, "x")],
        };
        let analysis = check(&history, &same_on_all(&["a", "x"]));
        assert_eq!(analysis.inconsistent.len(), 1);
        let position = &analysis.inconsistent[0];
        assert_eq!((position.partition, position.offset), (0, 1));
        assert!(
            position
                .claims
                .contains(&("acknowledged".into(), "b".into()))
        );
        assert!(position.claims.contains(&("broker 1".into(), "x".into())));
        assert_eq!(analysis.lost.len(), 1);
    }

    #[test]
    fn an_acknowledged_value_stored_at_another_offset_is_inconsistent() {
        let history = History {
            writes: vec![ok("a", 0, 0), ok("b", 0, 5)],
            deliveries: vec![],
        };
        let analysis = check(&history, &same_on_all(&["a", "b"]));
        assert_eq!(analysis.inconsistent.len(), 1);
        assert_eq!(analysis.inconsistent[0].offset, 5);
        assert!(analysis.lost.is_empty());
    }

    #[test]
    fn replicas_that_differ_diverge_at_each_differing_offset() {
        let mut logs = same_on_all(&["a", "b", "c"]);
        logs.insert(3, [(0, log(&["a", "x", "c", "d"]))].into());
        let history = History {
            writes: vec![ok("a", 0, 0)],
            deliveries: vec![],
        };
        let analysis = check(&history, &logs);
        let offsets: Vec<u64> = analysis.divergent.iter().map(|d| d.offset).collect();
        assert_eq!(offsets, vec![1, 3]);
        assert_eq!(analysis.divergent[1].values[&1], None);
        assert_eq!(analysis.divergent[1].values[&3], Some("d".to_string()));
        // Offset 1 has two values: that is an inconsistency too.
        assert_eq!(analysis.inconsistent.len(), 1);
        assert_eq!(analysis.unexpected.len(), 4, "{:?}", analysis.unexpected);
    }

    #[test]
    fn a_missing_partition_on_one_broker_diverges() {
        let mut logs = same_on_all(&["a"]);
        logs.insert(2, BTreeMap::new());
        let history = History {
            writes: vec![ok("a", 0, 0)],
            deliveries: vec![delivery(0, 0, "a")],
        };
        let analysis = check(&history, &logs);
        assert_eq!(analysis.divergent.len(), 1);
        assert_eq!(analysis.lost[0].missing_on, vec![2]);
    }

    #[test]
    fn the_consumer_going_back_or_jumping_is_flagged_per_partition() {
        let history = History {
            writes: vec![],
            deliveries: vec![
                delivery(0, 0, "a"),
                delivery(1, 0, "p"),
                delivery(0, 1, "b"),
                delivery(0, 1, "b"),
                delivery(1, 2, "r"),
                delivery(0, 0, "a"),
                delivery(2, 1, "z"),
            ],
        };
        let (nonmonotonic, skipped) = poll_anomalies(&history);
        assert_eq!(
            nonmonotonic,
            vec![
                PollAnomaly {
                    partition: 0,
                    previous: Some(1),
                    offset: 1
                },
                PollAnomaly {
                    partition: 0,
                    previous: Some(1),
                    offset: 0
                },
            ]
        );
        assert_eq!(
            skipped,
            vec![
                PollAnomaly {
                    partition: 1,
                    previous: Some(0),
                    offset: 2
                },
                PollAnomaly {
                    partition: 2,
                    previous: None,
                    offset: 1
                },
            ]
        );
    }

    #[test]
    fn acknowledged_records_the_consumer_never_delivered_are_undelivered() {
        let mut history = clean_history();
        history.deliveries.pop();
        let analysis = check(&history, &same_on_all(&["a", "b", "c"]));
        assert_eq!(analysis.undelivered, vec!["c".to_string()]);
        assert!(analysis.is_safe());
    }

    #[test]
    fn a_failed_write_found_in_the_log_is_flagged() {
        let mut history = clean_history();
        history
            .writes
            .push(write("d", 0, Outcome::Fail("INVALID_ARGUMENT".into())));
        let analysis = check(&history, &same_on_all(&["a", "b", "c", "d"]));
        assert_eq!(analysis.failed, 1);
        assert_eq!(analysis.failed_present, vec!["d".to_string()]);
        assert!(analysis.unexpected.is_empty());
    }

    #[test]
    fn the_first_acknowledgement_after_a_milestone_is_timed() {
        let at = |ms| Duration::from_millis(ms);
        let mut history = History::default();
        for (value, partition, completed, acked) in [
            ("a", 0, 100, true),
            ("b", 1, 900, true),
            ("c", 0, 1200, false),
            ("d", 0, 1500, true),
        ] {
            let mut w = if acked {
                ok(value, partition, 0)
            } else {
                write(value, partition, Outcome::Info("timed out".into()))
            };
            w.completed_at = at(completed);
            history.writes.push(w);
        }
        let healed = Milestone {
            label: "healed".into(),
            at: at(500),
            partitions: None,
        };
        assert_eq!(first_ack_after(&history, &healed), Some(at(400)));
        let leader_died = Milestone {
            partitions: Some(vec![0]),
            ..healed
        };
        assert_eq!(first_ack_after(&history, &leader_died), Some(at(1000)));
        let late = Milestone {
            label: "late".into(),
            at: at(2000),
            partitions: None,
        };
        assert_eq!(first_ack_after(&history, &late), None);
    }
}
