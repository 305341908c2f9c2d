//! `flashq consume`.

use clap::Args;

use super::Context;

#[derive(Debug, Args)]
pub struct ConsumeArgs {}

pub async fn run(_args: ConsumeArgs, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
