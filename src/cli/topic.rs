//! `flashq topic`: create, list, describe, configure and delete topics.

use std::time::Duration;

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::client::{TopicInfo, TopicSettings};

use super::exit::{CliError, ExitCode};
use super::output::{print_json, table};
use super::{Context, OutputFormat};

#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// Create a topic
    Create(CreateArgs),
    /// List topics
    List,
    /// Show a topic's settings and each partition's offsets and size
    Describe {
        /// Topic name
        #[arg(add = clap_complete::ArgValueCandidates::new(super::completions::topic_names))]
        name: String,
    },
    /// Delete a topic and all its records
    Delete {
        /// Topic name
        #[arg(add = clap_complete::ArgValueCandidates::new(super::completions::topic_names))]
        name: String,
    },
    /// Change a topic's retention, segment settings or partition count
    Config(ConfigArgs),
    /// In a cluster: move partitions to new replicas (one with --partition and --replicas, or
    /// many from a --plan file in kafka-reassign-partitions' JSON)
    Reassign(ReassignArgs),
}

#[derive(Debug, Args)]
pub struct ReassignArgs {
    /// Topic name (with --partition and --replicas)
    #[arg(required_unless_present = "plan", add = clap_complete::ArgValueCandidates::new(super::completions::topic_names))]
    pub name: Option<String>,
    /// The partition to move
    #[arg(long, requires_all = ["name", "replicas"])]
    pub partition: Option<u32>,
    /// Its new replicas, the first its preferred leader: like 2,3,4
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "IDS",
        requires = "partition"
    )]
    pub replicas: Option<Vec<u64>>,
    /// A plan file (- for stdin): {"partitions": [{"topic": "t", "partition": 0, "replicas": [2, 3, 4]}, ...]}
    #[arg(long, value_name = "FILE", conflicts_with_all = ["name", "partition", "replicas"])]
    pub plan: Option<std::path::PathBuf>,
    #[command(flatten)]
    pub moves: super::cluster::MoveArgs,
}

/// A plan file, as kafka-reassign-partitions reads it (`version` and `log_dirs` are ignored).
#[derive(Debug, serde::Deserialize)]
struct PlanFile {
    partitions: Vec<crate::client::PartitionReplicas>,
}

/// The moves `args` asks for: its plan file, or its one partition.
fn planned_moves(args: &ReassignArgs) -> Result<Vec<crate::client::PartitionReplicas>, CliError> {
    let Some(path) = &args.plan else {
        let (Some(topic), Some(partition), Some(replicas)) =
            (&args.name, args.partition, &args.replicas)
        else {
            return Err(CliError::new(
                ExitCode::Usage,
                "name a topic with --partition and --replicas, or give a --plan file",
            ));
        };
        return Ok(vec![crate::client::PartitionReplicas {
            topic: topic.clone(),
            partition,
            replicas: replicas.clone(),
        }]);
    };
    let text = if path.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin())
    } else {
        std::fs::read_to_string(path)
    }
    .map_err(|e| CliError::new(ExitCode::InvalidInput, format!("{}: {e}", path.display())))?;
    let plan: PlanFile = serde_json::from_str(&text).map_err(|e| {
        CliError::new(
            ExitCode::InvalidInput,
            format!("{}: not a reassignment plan: {e}", path.display()),
        )
    })?;
    Ok(plan.partitions)
}

/// Retention and segment settings, shared by create and config.
#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Delete closed segments older than this (like 7d or 12h; 0 keeps forever)
    #[arg(long, value_parser = parse_duration_or_zero, value_name = "DURATION")]
    pub retention: Option<Duration>,
    /// Keep at most about this many bytes per partition (0 is unbounded)
    #[arg(long, value_name = "BYTES")]
    pub retention_bytes: Option<u64>,
    /// Roll to a new segment at this size
    #[arg(long, value_name = "BYTES")]
    pub segment_bytes: Option<u64>,
    /// Roll to a new segment at this age (like 1d)
    #[arg(long, value_parser = humantime::parse_duration, value_name = "DURATION")]
    pub segment_age: Option<Duration>,
}

impl SettingsArgs {
    fn settings(&self) -> TopicSettings {
        TopicSettings {
            retention_ms: self.retention.map(|d| d.as_millis() as u64),
            retention_bytes: self.retention_bytes,
            segment_bytes: self.segment_bytes,
            segment_ms: self.segment_age.map(|d| d.as_millis() as u64),
        }
    }
}

fn parse_duration_or_zero(text: &str) -> Result<Duration, String> {
    if text == "0" {
        return Ok(Duration::ZERO);
    }
    humantime::parse_duration(text).map_err(|e| e.to_string())
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Topic name: 1 to 249 of [A-Za-z0-9._-], not starting with '.'
    pub name: String,
    /// Number of partitions [default: the broker's]
    #[arg(short, long)]
    pub partitions: Option<u32>,
    /// Succeed without change when the topic exists
    #[arg(long)]
    pub if_not_exists: bool,
    /// In a cluster: replicas per partition [default: the broker's, 3 at most the live brokers]
    #[arg(long, value_name = "N")]
    pub replication_factor: Option<u32>,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Topic name
    #[arg(add = clap_complete::ArgValueCandidates::new(super::completions::topic_names))]
    pub name: String,
    /// Raise the partition count to this
    #[arg(short, long)]
    pub partitions: Option<u32>,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// A topic in JSON output.
#[derive(Debug, Serialize)]
struct TopicJson {
    name: String,
    partitions: u32,
    retention_ms: u64,
    retention_bytes: u64,
    segment_bytes: u64,
    segment_ms: u64,
    size_bytes: u64,
    records: u64,
    partition_details: Vec<PartitionJson>,
}

#[derive(Debug, Serialize)]
struct PartitionJson {
    partition: u32,
    start_offset: u64,
    end_offset: u64,
    size_bytes: u64,
}

impl From<&TopicInfo> for TopicJson {
    fn from(t: &TopicInfo) -> Self {
        TopicJson {
            name: t.name.clone(),
            partitions: t.partitions,
            retention_ms: t.settings.retention_ms.unwrap_or(0),
            retention_bytes: t.settings.retention_bytes.unwrap_or(0),
            segment_bytes: t.settings.segment_bytes.unwrap_or(0),
            segment_ms: t.settings.segment_ms.unwrap_or(0),
            size_bytes: t.partition_details.iter().map(|p| p.size_bytes).sum(),
            records: t
                .partition_details
                .iter()
                .map(|p| p.end_offset - p.start_offset)
                .sum(),
            partition_details: t
                .partition_details
                .iter()
                .map(|p| PartitionJson {
                    partition: p.partition,
                    start_offset: p.start_offset,
                    end_offset: p.end_offset,
                    size_bytes: p.size_bytes,
                })
                .collect(),
        }
    }
}

pub async fn run(cmd: TopicCommand, ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.connect().await?;
    match cmd {
        TopicCommand::Create(args) => {
            let created = client
                .create_replicated_topic(
                    &args.name,
                    args.partitions,
                    args.replication_factor,
                    args.settings.settings(),
                )
                .await;
            let topic = match created {
                Err(e)
                    if args.if_not_exists
                        && e.code() == Some(crate::client::StatusCode::AlreadyExists) =>
                {
                    client.describe_topic(&args.name).await?
                }
                other => other?,
            };
            print_topic(&topic, ctx.output)
        }
        TopicCommand::List => {
            let topics = client.list_topics().await?;
            if ctx.output.is_json() {
                let topics: Vec<TopicJson> = topics.iter().map(TopicJson::from).collect();
                return print_json(&topics);
            }
            let mut t = table(&["TOPIC", "PARTITIONS", "RECORDS", "SIZE", "RETENTION"]);
            for topic in &topics {
                let json = TopicJson::from(topic);
                t.add_row(vec![
                    json.name.clone(),
                    json.partitions.to_string(),
                    json.records.to_string(),
                    human_bytes(json.size_bytes),
                    human_retention(json.retention_ms),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        TopicCommand::Describe { name } => {
            print_topic(&client.describe_topic(&name).await?, ctx.output)
        }
        TopicCommand::Delete { name } => {
            client.delete_topic(&name).await?;
            if ctx.output.is_json() {
                print_json(&serde_json::json!({ "deleted": name }))
            } else {
                if !ctx.quiet {
                    println!("deleted topic {name}");
                }
                Ok(())
            }
        }
        TopicCommand::Reassign(args) => {
            let moves = planned_moves(&args)?;
            let plan = client
                .reassign_partitions(moves, args.moves.throttle_bytes_per_s, args.moves.dry_run)
                .await?;
            super::moves::print_plan(&plan, ctx)?;
            if plan.executed && !args.moves.no_wait {
                super::moves::wait_for(&client, ctx, plan.moves.len(), args.moves.timeout, |m| {
                    super::moves::still_moving(&plan, m)
                })
                .await?;
            }
            Ok(())
        }
        TopicCommand::Config(args) => {
            let mut topic = None;
            if let Some(total) = args.partitions {
                topic = Some(client.create_partitions(&args.name, total).await?);
            }
            let settings = args.settings.settings();
            if settings != TopicSettings::default() || topic.is_none() {
                topic = Some(client.update_topic_config(&args.name, settings).await?);
            }
            match topic {
                Some(topic) => print_topic(&topic, ctx.output),
                None => Ok(()),
            }
        }
    }
}

/// Prints a topic's settings and partitions, as `topic describe` does.
pub fn print_topic(topic: &TopicInfo, output: OutputFormat) -> anyhow::Result<()> {
    let json = TopicJson::from(topic);
    if output.is_json() {
        return print_json(&json);
    }
    println!(
        "topic {}: {} partitions, retention {}, retention bytes {}, segment {} / {}",
        json.name,
        json.partitions,
        human_retention(json.retention_ms),
        if json.retention_bytes == 0 {
            "unbounded".to_string()
        } else {
            human_bytes(json.retention_bytes)
        },
        human_bytes(json.segment_bytes),
        humantime::format_duration(Duration::from_millis(json.segment_ms)),
    );
    let mut t = table(&["PARTITION", "START", "END", "RECORDS", "SIZE"]);
    for p in &json.partition_details {
        t.add_row(vec![
            p.partition.to_string(),
            p.start_offset.to_string(),
            p.end_offset.to_string(),
            (p.end_offset - p.start_offset).to_string(),
            human_bytes(p.size_bytes),
        ]);
    }
    println!("{t}");
    Ok(())
}

fn human_retention(ms: u64) -> String {
    if ms == 0 {
        "forever".to_string()
    } else {
        humantime::format_duration(Duration::from_millis(ms)).to_string()
    }
}

/// Bytes in binary units, like `ls -h`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}
