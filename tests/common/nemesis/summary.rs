//! What many runs add up to, in the shape of docs/reliability.md's tables: the anomalies of all
//! runs together, and per fault kind how often it struck, for how long, and how long writes took
//! to resume after it took a leader away and after it healed. Resume times count only faults
//! that were alone in their step (every run's tour has each kind alone once), so they are that
//! kind's own.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use super::RunReport;
use super::faults::{FaultEvent, FaultKind};

/// Markdown tables for `reports`.
pub fn tables(reports: &[RunReport]) -> String {
    let mut out = String::new();
    let faulted: Duration = reports.iter().map(|r| r.config.length).sum();
    let mut totals: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut order = Vec::new();
    for report in reports {
        for (name, count) in report.analysis.counts() {
            if !totals.contains_key(name) {
                order.push(name);
            }
            *totals.entry(name).or_default() += count;
        }
    }
    let one_partition = reports.iter().filter(|r| r.config.partitions == 1).count();
    let _ = writeln!(
        out,
        "{} runs ({one_partition} with 1 partition, {} with 3), {} s of faults in all",
        reports.len(),
        reports.len() - one_partition,
        faulted.as_secs()
    );
    let _ = writeln!(out, "| runs | {} |", order.join(" | "));
    let _ = writeln!(out, "|---|{}", "---|".repeat(order.len()));
    let counts: Vec<String> = order.iter().map(|n| totals[n].to_string()).collect();
    let _ = writeln!(out, "| {} | {} |", reports.len(), counts.join(" | "));
    out.push('\n');

    let _ = writeln!(
        out,
        "| fault | times (alone) | seconds held | first write after the leader was lost: n, median, max | first write after healing: n, median, max | no write before the run ended |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for kind in FaultKind::ALL {
        let faults: Vec<_> = reports
            .iter()
            .flat_map(|r| &r.timeline.faults)
            .filter(|f| f.kind == kind)
            .collect();
        if faults.is_empty() {
            continue;
        }
        let alone = faults.iter().filter(|f| f.alone).count();
        let held: Duration = faults
            .iter()
            .filter_map(|f| f.healed_at.map(|h| h.saturating_sub(f.began_at)))
            .sum();
        let after = |event: FaultEvent| -> (Vec<Duration>, usize) {
            let mut found = Vec::new();
            let mut none = 0;
            for (milestone, after) in reports.iter().flat_map(|r| &r.recovery) {
                if milestone.kind == kind && milestone.alone && milestone.event == event {
                    match after {
                        Some(after) => found.push(*after),
                        None => none += 1,
                    }
                }
            }
            found.sort();
            (found, none)
        };
        let (lost, lost_none) = after(FaultEvent::LeaderLost);
        let (healed, healed_none) = after(FaultEvent::Healed);
        let _ = writeln!(
            out,
            "| {} | {} ({alone}) | {:.0} | {} | {} | {} |",
            kind.name(),
            faults.len(),
            held.as_secs_f64(),
            spread(&lost),
            spread(&healed),
            lost_none + healed_none
        );
    }
    out
}

/// "n, median s, max s", or "-" when there is nothing.
fn spread(sorted: &[Duration]) -> String {
    match sorted {
        [] => "-".to_string(),
        _ => format!(
            "{}, {:.2} s, {:.2} s",
            sorted.len(),
            sorted[sorted.len() / 2].as_secs_f64(),
            sorted[sorted.len() - 1].as_secs_f64()
        ),
    }
}
