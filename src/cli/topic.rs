//! `flashq topic`.

use clap::Subcommand;

use super::Context;

#[derive(Debug, Subcommand)]
pub enum TopicCommand {
    /// List topics
    List,
}

pub async fn run(_cmd: TopicCommand, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
