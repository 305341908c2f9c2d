//! `flashq cluster status|brokers|partitions`: the cluster as the connected broker sees it.

use std::time::Duration;

use clap::Subcommand;
use serde::Serialize;

use crate::client::cluster::CoordinatorSlotInfo;
use crate::client::{BrokerInfo, ClusterMetadata, PartitionPlacement};

use super::Context;
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
    let metadata = client.metadata().await?;
    match cmd {
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

fn ids(ids: &[u64]) -> String {
    ids.iter().map(u64::to_string).collect::<Vec<_>>().join(",")
}
