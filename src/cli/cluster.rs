//! `flashq cluster status|brokers|partitions`: the cluster as the connected broker sees it;
//! `add-broker`, `remove-broker` and `rebalance`: growing, shrinking and balancing it.

use std::time::Duration;

use clap::Subcommand;
use serde::Serialize;

use crate::client::cluster::CoordinatorSlotInfo;
use crate::client::{BrokerInfo, ClusterMetadata, PartitionPlacement};

use super::Context;
use super::moves::{self, ids};
use super::output::{print_json, table};

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// The controller, this broker's Raft role, every broker's liveness, partition health
    Status,
    /// Members: role, liveness, last heartbeat, addresses
    Brokers,
    /// Partitions: leader, leader epoch, replicas, in-sync replicas
    Partitions {
        /// Only partitions with fewer in-sync replicas than replicas, or no leader
        #[arg(long)]
        under_replicated: bool,
    },
    /// Make a broker that joined with `serve --join` a voter of the metadata quorum
    AddBroker {
        /// The broker's --node-id
        id: u64,
    },
    /// Move every replica off a broker, then remove it from the cluster; it can be stopped
    /// afterwards with nothing under-replicated
    RemoveBroker {
        /// The broker's --node-id
        id: u64,
        #[command(flatten)]
        moves: MoveArgs,
    },
    /// Spread replicas and preferred leaders evenly over the live brokers (a dry run unless
    /// --execute)
    Rebalance {
        /// Start the moves (and wait for them) instead of printing the plan
        #[arg(long)]
        execute: bool,
        #[command(flatten)]
        moves: MoveArgs,
    },
}

/// How partition moves are made and followed.
#[derive(Debug, clap::Args)]
pub struct MoveArgs {
    /// The most bytes per second each receiving broker copies for the moves (0: unthrottled)
    #[arg(long, default_value_t = 0, value_name = "BYTES")]
    pub throttle_bytes_per_s: u64,
    /// Print the plan; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Start the moves and return without waiting for them
    #[arg(long)]
    pub no_wait: bool,
    /// How long to wait for the moves to finish
    #[arg(long, default_value = "10m", value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub timeout: Duration,
}

/// `cluster status -o json`.
#[derive(Serialize)]
struct StatusJson<'a> {
    clustered: bool,
    node_id: u64,
    controller: Option<u64>,
    raft_term: u64,
    raft_role: &'a str,
    applied_index: u64,
    /// The answering broker's session with the controller lapsed: what it says may be stale.
    session_lapsed: bool,
    brokers_alive: usize,
    brokers: &'a [BrokerInfo],
    partitions: usize,
    under_replicated_partitions: usize,
    offline_partitions: usize,
    /// Group coordinator slots: groups hash to slots, each coordinated by one broker.
    group_coordinators: &'a [CoordinatorSlotInfo],
}

pub async fn run(cmd: ClusterCommand, ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.connect().await?;
    match cmd {
        ClusterCommand::AddBroker { id } => {
            client.add_broker(id).await?;
            return done(ctx, &format!("broker {id} is a voter"), id);
        }
        ClusterCommand::RemoveBroker { id, moves } => {
            let plan = client
                .decommission_broker(id, moves.throttle_bytes_per_s, moves.dry_run)
                .await?;
            moves::print_plan(&plan, ctx)?;
            if moves.dry_run || moves.no_wait {
                return Ok(());
            }
            moves::wait_for(&client, ctx, plan.moves.len(), moves.timeout, |m| {
                m.partitions
                    .iter()
                    .filter(|p| p.replicas.contains(&id) || p.target_replicas.contains(&id))
                    .count()
            })
            .await?;
            client.remove_broker(id).await?;
            return done(ctx, &format!("broker {id} removed; it can be stopped"), id);
        }
        ClusterCommand::Rebalance { execute, moves } => {
            let execute = execute && !moves.dry_run;
            let plan = client
                .rebalance(execute, moves.throttle_bytes_per_s)
                .await?;
            moves::print_plan(&plan, ctx)?;
            if plan.executed && !moves.no_wait {
                moves::wait_for(&client, ctx, plan.moves.len(), moves.timeout, |m| {
                    moves::still_moving(&plan, m)
                })
                .await?;
            }
            return Ok(());
        }
        _ => {}
    }
    let metadata = client.metadata().await?;
    match cmd {
        ClusterCommand::AddBroker { .. }
        | ClusterCommand::RemoveBroker { .. }
        | ClusterCommand::Rebalance { .. } => Ok(()),
        ClusterCommand::Status => print_status(&metadata, ctx),
        ClusterCommand::Brokers => {
            if ctx.output.is_json() {
                return print_json(&serde_json::json!({ "brokers": metadata.brokers }));
            }
            if !metadata.clustered {
                println!("single broker: not in a cluster");
                return Ok(());
            }
            println!("{}", brokers_table(&metadata));
            Ok(())
        }
        ClusterCommand::Partitions { under_replicated } => {
            let partitions: Vec<&PartitionPlacement> = metadata
                .partitions
                .iter()
                .filter(|p| !under_replicated || p.under_replicated() || p.leader.is_none())
                .collect();
            if ctx.output.is_json() {
                let rows: Vec<serde_json::Value> = partitions
                    .iter()
                    .map(|p| {
                        let mut row = serde_json::to_value(p).unwrap_or_default();
                        row["under_replicated"] = p.under_replicated().into();
                        row
                    })
                    .collect();
                return print_json(&serde_json::json!({ "partitions": rows }));
            }
            let mut t = table(&[
                "TOPIC",
                "PARTITION",
                "LEADER",
                "EPOCH",
                "REPLICAS",
                "ISR",
                "UNDER-REPLICATED",
                "TARGET",
            ]);
            for p in partitions {
                t.add_row(vec![
                    p.topic.clone(),
                    p.partition.to_string(),
                    p.leader.map_or("none".into(), |l| l.to_string()),
                    p.leader_epoch.to_string(),
                    ids(&p.replicas),
                    ids(&p.isr),
                    if p.under_replicated() { "yes" } else { "no" }.into(),
                    if p.moving() {
                        ids(&p.target_replicas)
                    } else {
                        "-".into()
                    },
                ]);
            }
            println!("{t}");
            Ok(())
        }
    }
}

fn print_status(metadata: &ClusterMetadata, ctx: &Context) -> anyhow::Result<()> {
    let under_replicated = metadata
        .partitions
        .iter()
        .filter(|p| p.under_replicated())
        .count();
    let offline = metadata
        .partitions
        .iter()
        .filter(|p| p.leader.is_none())
        .count();
    let alive = metadata.brokers.iter().filter(|b| b.alive).count();
    if ctx.output.is_json() {
        return print_json(&StatusJson {
            clustered: metadata.clustered,
            node_id: metadata.node_id,
            controller: metadata.controller,
            raft_term: metadata.raft_term,
            raft_role: &metadata.raft_role,
            applied_index: metadata.applied_index,
            session_lapsed: metadata.session_lapsed,
            brokers_alive: alive,
            brokers: &metadata.brokers,
            partitions: metadata.partitions.len(),
            under_replicated_partitions: under_replicated,
            offline_partitions: offline,
            group_coordinators: &metadata.group_coordinators,
        });
    }
    if !metadata.clustered {
        println!("single broker: not in a cluster");
        return Ok(());
    }
    println!(
        "node {} ({}, term {}), controller {}, {alive}/{} brokers alive, {} partitions: {under_replicated} under-replicated, {offline} offline",
        metadata.node_id,
        metadata.raft_role,
        metadata.raft_term,
        metadata
            .controller
            .map_or("unknown".into(), |c| c.to_string()),
        metadata.brokers.len(),
        metadata.partitions.len(),
    );
    if metadata.session_lapsed {
        println!(
            "warning: node {} has not renewed its session with the controller lately; this view may be stale (ask another broker)",
            metadata.node_id
        );
    }
    println!("{}", brokers_table(metadata));
    Ok(())
}

fn brokers_table(metadata: &ClusterMetadata) -> comfy_table::Table {
    let mut t = table(&[
        "ID",
        "ROLE",
        "ALIVE",
        "LAST HEARTBEAT",
        "GROUP SLOTS",
        "ADDRESS",
        "CLUSTER ADDRESS",
    ]);
    for b in &metadata.brokers {
        let slots = metadata
            .group_coordinators
            .iter()
            .filter(|c| c.broker == Some(b.id))
            .count();
        t.add_row(vec![
            b.id.to_string(),
            b.role.clone(),
            if b.alive { "yes" } else { "no" }.into(),
            format!(
                "{} ago",
                humantime::format_duration(Duration::from_millis(
                    b.last_heartbeat_age_ms / 100 * 100
                ))
            ),
            format!("{slots}/{}", metadata.group_coordinators.len()),
            b.address.clone(),
            b.cluster_address.clone(),
        ]);
    }
    t
}

/// Says a broker change is done: a line, or `{"ok": true, "broker": id}`.
fn done(ctx: &Context, message: &str, id: u64) -> anyhow::Result<()> {
    if ctx.output.is_json() {
        return print_json(&serde_json::json!({ "ok": true, "broker": id }));
    }
    if !ctx.quiet {
        println!("{message}");
    }
    Ok(())
}
