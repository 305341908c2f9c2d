//! `flashq demo`: a menu for first-time exploration, on a broker living inside this process.
//!
//! The demo starts the real engine on in-memory storage and the real gRPC server on a free
//! loopback port, then drives it through the same client every other command uses, so what
//! it shows is what `serve` does: topics, records, and a consumer group with its offsets and
//! lag. Nothing survives the demo.

use std::io::IsTerminal;
use std::time::Duration;

use bytes::Bytes;
use clap::Args;
use dialoguer::theme::ColorfulTheme;
use dialoguer::{Input, Select};

use crate::client::{Client, JoinOptions, Offset, ProducerRecord, TopicSettings};
use crate::node::{Node, NodeConfig, StorageChoice};

use super::exit::prompt_failed;
use super::group_consumer::{self, GroupConsumeOptions, ResetPolicy, Source};
use super::record_format::{Encoding, RecordPrinter, rfc3339_ms};
use super::{CliError, Context, ExitCode};

/// Records the consume action reads at most, per partition, so a big topic cannot flood the screen.
const DEMO_CONSUME_MAX_RECORDS: u32 = 50;
/// Partitions the create action offers by default.
const DEMO_DEFAULT_PARTITIONS: u32 = 3;

/// `flashq demo` takes no flags of its own.
#[derive(Debug, Args)]
pub struct DemoArgs {}

/// The consumer group the demo reads as.
const DEMO_GROUP: &str = "demo-readers";
/// How often the demo's group member commits while it reads.
const DEMO_COMMIT_INTERVAL_MS: u64 = 1_000;

/// The menu, in the order it is shown.
const ACTIONS: [&str; 7] = [
    "Create a topic",
    "Produce a record",
    "Consume a topic from the beginning",
    "Consume as consumer group demo-readers (each record once per group)",
    "Look at consumer groups",
    "Describe topics",
    "Quit",
];

/// Runs the demo menu until the user quits.
pub async fn run(_args: DemoArgs, ctx: &Context) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(CliError::new(
            ExitCode::Usage,
            "flashq demo is an interactive menu and stdin is not a terminal",
        )
        .with_hint("run it in a terminal; for scripts use `flashq serve --storage memory` and the other commands")
        .into());
    }
    let embedded = Node::start(NodeConfig::embedded(StorageChoice::Memory)).await?;
    let address = embedded.url();
    let client = Client::connect(&address).await?;
    eprintln!(
        "FlashQ demo: an in-memory broker is running at {address}.\n\
         Other terminals can use it too: flashq --broker {address} topic list\n\
         Nothing is kept after you quit. Arrow keys and Enter choose; Esc quits."
    );

    let theme = ColorfulTheme::default();
    let result = menu(&client, &theme, ctx).await;

    embedded.stop().await?;
    result
}

async fn menu(client: &Client, theme: &ColorfulTheme, ctx: &Context) -> anyhow::Result<()> {
    loop {
        let choice = Select::with_theme(theme)
            .with_prompt("What next?")
            .items(ACTIONS)
            .default(0)
            .interact_opt()
            .map_err(prompt_failed)?;
        let outcome = match choice {
            Some(0) => create(client, theme, ctx).await,
            Some(1) => produce(client, theme).await,
            Some(2) => consume(client, theme).await,
            Some(3) => consume_as_group(client, theme).await,
            Some(4) => groups(client, ctx).await,
            Some(5) => describe(client, ctx).await,
            _ => return Ok(()),
        };
        // A failed action (bad name, unknown topic) is shown and the menu goes on.
        if let Err(e) = outcome {
            let e = super::exit::classify(e);
            eprintln!("error: {}", e.message);
        }
    }
}

async fn create(client: &Client, theme: &ColorfulTheme, ctx: &Context) -> anyhow::Result<()> {
    let name: String = Input::with_theme(theme)
        .with_prompt("Topic name")
        .default("demo".to_string())
        .interact_text()
        .map_err(prompt_failed)?;
    let partitions: u32 = Input::with_theme(theme)
        .with_prompt("Partitions")
        .default(DEMO_DEFAULT_PARTITIONS)
        .interact_text()
        .map_err(prompt_failed)?;
    let topic = client
        .create_topic(name.trim(), Some(partitions), TopicSettings::default())
        .await?;
    super::topic::print_topic(&topic, ctx.output)
}

/// Lets the user pick one of the broker's topics; `None` when there is none yet.
async fn pick_topic(client: &Client, theme: &ColorfulTheme) -> anyhow::Result<Option<String>> {
    let topics = client.list_topics().await?;
    if topics.is_empty() {
        eprintln!("no topics yet: create one first");
        return Ok(None);
    }
    let names: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
    let choice = Select::with_theme(theme)
        .with_prompt("Which topic?")
        .items(&names)
        .default(0)
        .interact_opt()
        .map_err(prompt_failed)?;
    Ok(choice
        .and_then(|i| names.get(i))
        .map(|name| name.to_string()))
}

async fn produce(client: &Client, theme: &ColorfulTheme) -> anyhow::Result<()> {
    let Some(topic) = pick_topic(client, theme).await? else {
        return Ok(());
    };
    let key: String = Input::with_theme(theme)
        .with_prompt("Key (Enter for none: records spread over partitions)")
        .allow_empty(true)
        .interact_text()
        .map_err(prompt_failed)?;
    let value: String = Input::with_theme(theme)
        .with_prompt("Value")
        .allow_empty(true)
        .interact_text()
        .map_err(prompt_failed)?;
    let record = ProducerRecord {
        key: (!key.is_empty()).then(|| Bytes::from(key)),
        value: Bytes::from(value),
        ..ProducerRecord::default()
    };
    let positions = client.produce(&topic, vec![record]).await?;
    for p in positions {
        println!(
            "produced to {topic} partition {} offset {}",
            p.partition, p.offset
        );
    }
    Ok(())
}

async fn consume(client: &Client, theme: &ColorfulTheme) -> anyhow::Result<()> {
    let Some(topic) = pick_topic(client, theme).await? else {
        return Ok(());
    };
    let info = client.describe_topic(&topic).await?;
    let mut t = super::output::table(&["PARTITION", "OFFSET", "TIMESTAMP", "KEY", "VALUE"]);
    let mut count = 0usize;
    for partition in 0..info.partitions {
        let batch = client
            .fetch(
                &topic,
                partition,
                Offset::Earliest,
                Some(DEMO_CONSUME_MAX_RECORDS),
                0,
            )
            .await?;
        for r in &batch.records {
            count += 1;
            t.add_row(vec![
                r.partition.to_string(),
                r.offset.to_string(),
                rfc3339_ms(r.timestamp_ms),
                r.key
                    .as_ref()
                    .map_or(String::new(), |k| String::from_utf8_lossy(k).into_owned()),
                String::from_utf8_lossy(&r.value).into_owned(),
            ]);
        }
    }
    if count == 0 {
        println!("{topic} has no records yet");
    } else {
        println!("{t}");
        println!("{count} record(s) from {topic}");
    }
    Ok(())
}

/// Reads as a member of [`DEMO_GROUP`] up to the end, committing: a second run shows only
/// records produced since.
async fn consume_as_group(client: &Client, theme: &ColorfulTheme) -> anyhow::Result<()> {
    let Some(topic) = pick_topic(client, theme).await? else {
        return Ok(());
    };
    let options = GroupConsumeOptions {
        group: DEMO_GROUP.to_string(),
        topic: topic.clone(),
        source: Source::Fetch { follow: false },
        max: u64::MAX,
        reset: ResetPolicy::Earliest,
        commit_interval: Some(Duration::from_millis(DEMO_COMMIT_INTERVAL_MS)),
        join: JoinOptions {
            client_id: Some("demo".to_string()),
            ..JoinOptions::default()
        },
    };
    let printer = RecordPrinter::new(Some("%p/%o %k=%v\n"), false, Encoding::Utf8)?;
    println!("reading {topic} as group {DEMO_GROUP} (partition/offset key=value):");
    group_consumer::run(client.clone(), options, &printer).await?;
    println!(
        "committed: group {DEMO_GROUP} reads only newer records next time (see Look at consumer groups)"
    );
    Ok(())
}

async fn groups(client: &Client, ctx: &Context) -> anyhow::Result<()> {
    let groups = client.list_groups().await?;
    if groups.is_empty() {
        println!("no consumer groups yet: consume as a group first");
    }
    for group in &groups {
        super::group::describe(client, &group.group, ctx.output).await?;
    }
    Ok(())
}

async fn describe(client: &Client, ctx: &Context) -> anyhow::Result<()> {
    let topics = client.list_topics().await?;
    if topics.is_empty() {
        println!("no topics yet");
    }
    for topic in &topics {
        super::topic::print_topic(topic, ctx.output)?;
    }
    Ok(())
}
