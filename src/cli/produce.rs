//! `flashq produce`.

use clap::Args;

use super::Context;

#[derive(Debug, Args)]
pub struct ProduceArgs {}

pub async fn run(_args: ProduceArgs, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
