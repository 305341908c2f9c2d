//! `flashq serve`.

use clap::Args;

use super::Context;

#[derive(Debug, Args)]
pub struct ServeArgs {}

pub async fn run(_args: ServeArgs, _ctx: &Context) -> anyhow::Result<()> {
    anyhow::bail!("not implemented yet")
}
