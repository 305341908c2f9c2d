//! Partition moves from the CLI (`topic reassign`, `cluster remove-broker`, `cluster
//! rebalance`): the plan as a table or JSON, and following the moves to their end with a
//! progress bar on a terminal.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::client::{Client, ClusterMetadata, MovePlan};

use super::Context;
use super::exit::{CliError, ExitCode};
use super::output::{print_json, table};

/// How often a wait for moves asks the broker for the metadata.
const MOVE_POLL_MS: u64 = 250;

/// Prints `plan`: one row per move, or the plan as JSON.
pub fn print_plan(plan: &MovePlan, ctx: &Context) -> anyhow::Result<()> {
    if ctx.output.is_json() {
        return print_json(plan);
    }
    if plan.moves.is_empty() {
        println!("nothing to move");
        return Ok(());
    }
    let mut t = table(&["TOPIC", "PARTITION", "CURRENT REPLICAS", "TARGET REPLICAS"]);
    for m in &plan.moves {
        t.add_row(vec![
            m.topic.clone(),
            m.partition.to_string(),
            ids(&m.current_replicas),
            ids(&m.target_replicas),
        ]);
    }
    println!("{t}");
    if !ctx.quiet {
        eprintln!(
            "{} {} partition move{}",
            if plan.executed {
                "started"
            } else {
                "planned (dry run):"
            },
            plan.moves.len(),
            if plan.moves.len() == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// Waits until `pending` says no partition is left to move (it counts them), showing how many
/// of `total` are done; fails with exit 8 after `timeout`.
pub async fn wait_for(
    client: &Client,
    ctx: &Context,
    total: usize,
    timeout: Duration,
    pending: impl Fn(&ClusterMetadata) -> usize,
) -> anyhow::Result<()> {
    let bar = ProgressBar::new(total as u64);
    if ctx.quiet || ctx.output.is_json() || !std::io::stderr().is_terminal() {
        bar.set_draw_target(ProgressDrawTarget::hidden());
    } else if let Ok(style) =
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} partitions moved")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    let deadline = Instant::now() + timeout;
    loop {
        let metadata = client.metadata().await?;
        let left = pending(&metadata);
        bar.set_position(total.saturating_sub(left) as u64);
        if left == 0 {
            bar.finish_and_clear();
            return Ok(());
        }
        if Instant::now() >= deadline {
            bar.abandon();
            return Err(CliError::new(
                ExitCode::Unavailable,
                format!(
                    "{left} partition move(s) not finished within {} s; they go on in the cluster",
                    timeout.as_secs()
                ),
            )
            .with_hint("follow them with `flashq cluster partitions` (the TARGET column)")
            .into());
        }
        tokio::time::sleep(Duration::from_millis(MOVE_POLL_MS)).await;
    }
}

/// Partitions of `plan` still moving.
pub fn still_moving(plan: &MovePlan, metadata: &ClusterMetadata) -> usize {
    plan.moves
        .iter()
        .filter(|m| {
            metadata
                .partitions
                .iter()
                .find(|p| p.topic == m.topic && p.partition == m.partition)
                .is_none_or(|p| p.moving() || p.replicas != m.target_replicas)
        })
        .count()
}

pub fn ids(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}
