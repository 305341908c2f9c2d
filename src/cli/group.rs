//! `flashq group`: list, describe (members, partitions, committed offsets, LAG), reset-offsets,
//! delete, and commit offsets for a consumer group.
//!
//! Tables by default; `-o json` prints one JSON value with the same data. Changes to offsets are
//! planned first: `reset-offsets` only prints its plan unless given `--execute`.

use clap::{Args, Subcommand};
use serde::Serialize;

use crate::client::{Client, GroupInfo, OffsetResetPlan, OffsetToCommit, ResetTo};

use super::output::{print_json, table};
use super::record_format::parse_rfc3339_ms;
use super::{CliError, Context, ExitCode, OutputFormat};

/// The `flashq group` subcommands.
#[derive(Debug, Subcommand)]
pub enum GroupCommand {
    /// List groups with members or committed offsets
    List,
    /// Show a group's members and, per partition, committed offset, log end offset and LAG
    Describe {
        /// Group name
        #[arg(add = clap_complete::ArgValueCandidates::new(super::completions::group_names))]
        group: String,
    },
    /// Move a group's committed offsets on a topic (a dry run unless --execute)
    ResetOffsets(ResetArgs),
    /// Delete a group and its committed offsets (refused while it has active members)
    Delete {
        /// Group name
        #[arg(add = clap_complete::ArgValueCandidates::new(super::completions::group_names))]
        group: String,
    },
    /// Commit one offset for a group: as an admin while the group is empty, or as a member
    Commit(CommitArgs),
}

/// Where reset-offsets moves offsets; exactly one is required.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ResetTarget {
    /// The first record still in each partition
    #[arg(long)]
    pub to_earliest: bool,
    /// The end of each partition: skip everything not yet read
    #[arg(long)]
    pub to_latest: bool,
    /// This offset (clamped to each partition's range)
    #[arg(long, value_name = "N")]
    pub to_offset: Option<u64>,
    /// The first record at or after this time (RFC 3339), else the end of the partition
    #[arg(long, value_name = "TIME")]
    pub to_time: Option<String>,
    /// Move each committed offset by N (negative goes back), clamped to the partition's range
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub shift_by: Option<i64>,
}

/// Flags of `group reset-offsets`.
#[derive(Debug, Args)]
pub struct ResetArgs {
    /// Group name
    #[arg(add = clap_complete::ArgValueCandidates::new(super::completions::group_names))]
    pub group: String,
    /// Topic whose offsets move
    #[arg(short, long, add = clap_complete::ArgValueCandidates::new(super::completions::topic_names))]
    pub topic: String,
    /// Only this partition (repeatable; default: all)
    #[arg(short, long)]
    pub partition: Vec<u32>,
    #[command(flatten)]
    pub target: ResetTarget,
    /// Apply the plan (only while the group has no active members); without it nothing changes
    #[arg(long)]
    pub execute: bool,
}

/// Flags of `group commit`.
#[derive(Debug, Args)]
pub struct CommitArgs {
    /// Group name
    #[arg(add = clap_complete::ArgValueCandidates::new(super::completions::group_names))]
    pub group: String,
    /// Topic
    #[arg(short, long, add = clap_complete::ArgValueCandidates::new(super::completions::topic_names))]
    pub topic: String,
    /// Partition
    #[arg(short, long)]
    pub partition: u32,
    /// The next offset the group will read
    #[arg(long, value_name = "N")]
    pub offset: u64,
    /// Commit as this member (fenced by --generation) instead of as an admin
    #[arg(long, requires = "generation")]
    pub member_id: Option<String>,
    /// The member's generation
    #[arg(long, requires = "member_id")]
    pub generation: Option<u64>,
}

/// A group in `list` output.
#[derive(Debug, Serialize)]
struct GroupSummaryJson {
    group: String,
    state: String,
    members: u32,
    generation: u64,
    assignor: Option<String>,
}

#[derive(Debug, Serialize)]
struct TopicPartitionJson {
    topic: String,
    partition: u32,
}

#[derive(Debug, Serialize)]
struct MemberJson {
    member_id: String,
    client_id: String,
    topics: Vec<String>,
    session_timeout_ms: u32,
    assignment: Vec<TopicPartitionJson>,
}

#[derive(Debug, Serialize)]
struct PartitionJson {
    topic: String,
    partition: u32,
    committed_offset: Option<u64>,
    log_end_offset: Option<u64>,
    lag: Option<u64>,
    member_id: Option<String>,
}

/// A group in `describe` output: the same data the tables show.
#[derive(Debug, Serialize)]
struct GroupJson {
    group: String,
    state: String,
    generation: u64,
    assignor: Option<String>,
    /// In a cluster: the id of the broker that coordinates the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    coordinator: Option<u64>,
    members: Vec<MemberJson>,
    partitions: Vec<PartitionJson>,
}

impl From<GroupInfo> for GroupJson {
    fn from(g: GroupInfo) -> Self {
        GroupJson {
            group: g.group,
            state: g.state,
            generation: g.generation,
            assignor: Some(g.assignor).filter(|a| !a.is_empty()),
            coordinator: None,
            members: g
                .members
                .into_iter()
                .map(|m| MemberJson {
                    member_id: m.member_id,
                    client_id: m.client_id,
                    topics: m.topics,
                    session_timeout_ms: m.session_timeout_ms,
                    assignment: m
                        .assignment
                        .into_iter()
                        .map(|tp| TopicPartitionJson {
                            topic: tp.topic,
                            partition: tp.partition,
                        })
                        .collect(),
                })
                .collect(),
            partitions: g
                .partitions
                .into_iter()
                .map(|p| PartitionJson {
                    topic: p.topic,
                    partition: p.partition,
                    committed_offset: p.committed_offset,
                    log_end_offset: p.log_end_offset,
                    lag: p.lag,
                    member_id: p.member_id,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
struct ResetPlanJson {
    topic: String,
    partition: u32,
    current_offset: Option<u64>,
    new_offset: u64,
}

#[derive(Debug, Serialize)]
struct ResetJson {
    group: String,
    topic: String,
    executed: bool,
    plan: Vec<ResetPlanJson>,
}

fn or_dash<T: ToString>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

/// Runs one `flashq group` subcommand.
pub async fn run(cmd: GroupCommand, ctx: &Context) -> anyhow::Result<()> {
    let client = ctx.connect().await?;
    match cmd {
        GroupCommand::List => {
            let groups: Vec<GroupSummaryJson> = client
                .list_all_groups()
                .await?
                .into_iter()
                .map(|g| GroupSummaryJson {
                    group: g.group,
                    state: g.state,
                    members: g.members,
                    generation: g.generation,
                    assignor: Some(g.assignor).filter(|a| !a.is_empty()),
                })
                .collect();
            if ctx.output.is_json() {
                return print_json(&groups);
            }
            let mut t = table(&["GROUP", "STATE", "MEMBERS", "GENERATION", "ASSIGNOR"]);
            for g in &groups {
                t.add_row(vec![
                    g.group.clone(),
                    g.state.clone(),
                    g.members.to_string(),
                    g.generation.to_string(),
                    or_dash(g.assignor.clone()),
                ]);
            }
            println!("{t}");
            Ok(())
        }
        GroupCommand::Describe { group } => {
            let (coordinator, found) = client.coordinator_of(&group).await?;
            let mut info = coordinator.describe_group(&group).await?;
            client.fill_log_ends(&mut info).await?;
            let mut described = GroupJson::from(info);
            described.coordinator = found.map(|c| c.id);
            print_group(&described, ctx.output)
        }
        GroupCommand::ResetOffsets(args) => reset_offsets(&client, args, ctx).await,
        GroupCommand::Delete { group } => {
            client
                .for_coordinator_of(&group)
                .await?
                .delete_group(&group)
                .await?;
            if ctx.output.is_json() {
                print_json(&serde_json::json!({ "deleted": group }))
            } else {
                if !ctx.quiet {
                    println!("deleted group {group}");
                }
                Ok(())
            }
        }
        GroupCommand::Commit(args) => {
            let member = args.member_id.as_deref().zip(args.generation);
            client
                .for_coordinator_of(&args.group)
                .await?
                .commit_offsets(
                    &args.group,
                    member,
                    &[OffsetToCommit {
                        topic: args.topic.clone(),
                        partition: args.partition,
                        offset: args.offset,
                    }],
                )
                .await?;
            if ctx.output.is_json() {
                print_json(&serde_json::json!({
                    "group": args.group,
                    "topic": args.topic,
                    "partition": args.partition,
                    "offset": args.offset,
                }))
            } else {
                if !ctx.quiet {
                    println!(
                        "committed {}/{}@{} for group {}",
                        args.topic, args.partition, args.offset, args.group
                    );
                }
                Ok(())
            }
        }
    }
}

/// Prints one group (members, and per partition committed offset, log end and LAG) as
/// `group describe` does.
pub async fn describe(client: &Client, group: &str, output: OutputFormat) -> anyhow::Result<()> {
    print_group(
        &GroupJson::from(client.describe_group(group).await?),
        output,
    )
}

fn print_group(described: &GroupJson, output: OutputFormat) -> anyhow::Result<()> {
    if output.is_json() {
        return print_json(described);
    }
    print_description(described);
    Ok(())
}

fn print_description(g: &GroupJson) {
    let coordinator = g
        .coordinator
        .map(|id| format!(", coordinator broker {id}"))
        .unwrap_or_default();
    println!(
        "group {}: {}, generation {}, assignor {}, {} member(s){coordinator}",
        g.group,
        g.state,
        g.generation,
        or_dash(g.assignor.clone()),
        g.members.len()
    );
    if g.members.is_empty() {
        println!("no active members");
    } else {
        let mut members = table(&["MEMBER-ID", "CLIENT-ID", "PARTITIONS"]);
        for m in &g.members {
            let partitions = m
                .assignment
                .iter()
                .map(|tp| format!("{}/{}", tp.topic, tp.partition))
                .collect::<Vec<_>>()
                .join(",");
            members.add_row(vec![
                m.member_id.clone(),
                m.client_id.clone(),
                if partitions.is_empty() {
                    "-".to_string()
                } else {
                    partitions
                },
            ]);
        }
        println!("{members}");
    }
    let mut partitions = table(&[
        "TOPIC",
        "PARTITION",
        "CURRENT-OFFSET",
        "LOG-END-OFFSET",
        "LAG",
        "MEMBER-ID",
    ]);
    for p in &g.partitions {
        partitions.add_row(vec![
            p.topic.clone(),
            p.partition.to_string(),
            or_dash(p.committed_offset),
            or_dash(p.log_end_offset),
            or_dash(p.lag),
            or_dash(p.member_id.clone()),
        ]);
    }
    println!("{partitions}");
}

async fn reset_offsets(client: &Client, args: ResetArgs, ctx: &Context) -> anyhow::Result<()> {
    let target = &args.target;
    let to = if target.to_earliest {
        ResetTo::Earliest
    } else if target.to_latest {
        ResetTo::Latest
    } else if let Some(offset) = target.to_offset {
        ResetTo::Offset(offset)
    } else if let Some(time) = &target.to_time {
        ResetTo::Timestamp(
            parse_rfc3339_ms(time)
                .map_err(|e| CliError::new(ExitCode::Usage, format!("--to-time: {e}")))?,
        )
    } else if let Some(delta) = target.shift_by {
        ResetTo::ShiftBy(delta)
    } else {
        // clap's required group makes this unreachable; say so plainly if it ever is not.
        return Err(CliError::new(ExitCode::Usage, "choose where to reset: --to-earliest, --to-latest, --to-offset, --to-time or --shift-by").into());
    };
    let plan: Vec<OffsetResetPlan> = client
        .reset_offsets_anywhere(&args.group, &args.topic, &args.partition, to, args.execute)
        .await?;
    let json = ResetJson {
        group: args.group.clone(),
        topic: args.topic.clone(),
        executed: args.execute,
        plan: plan
            .into_iter()
            .map(|p| ResetPlanJson {
                topic: p.topic,
                partition: p.partition,
                current_offset: p.current_offset,
                new_offset: p.new_offset,
            })
            .collect(),
    };
    if ctx.output.is_json() {
        return print_json(&json);
    }
    let mut t = table(&["TOPIC", "PARTITION", "CURRENT-OFFSET", "NEW-OFFSET"]);
    for p in &json.plan {
        t.add_row(vec![
            p.topic.clone(),
            p.partition.to_string(),
            or_dash(p.current_offset),
            p.new_offset.to_string(),
        ]);
    }
    println!("{t}");
    if !ctx.quiet {
        if args.execute {
            eprintln!(
                "applied: group {} now reads from the new offsets",
                args.group
            );
        } else {
            eprintln!("dry run: nothing changed; add --execute to apply");
        }
    }
    Ok(())
}
