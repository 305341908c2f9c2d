//! `flashq inspect-log`: summarise, dump and verify segment files offline, never modifying them.

use std::path::PathBuf;

use clap::Args;

use super::{CliError, Context, ExitCode};

#[derive(Debug, Args)]
pub struct InspectLogArgs {
    /// A segment file (.log) or a partition dir
    pub path: PathBuf,
    /// Dump every record
    #[arg(long)]
    pub records: bool,
    /// Check CRCs, offset order and index consistency; exit 7 listing every problem
    #[arg(long)]
    pub verify: bool,
}

pub fn run(args: InspectLogArgs, _ctx: &Context) -> anyhow::Result<()> {
    Err(CliError::new(
        ExitCode::Failure,
        format!(
            "inspect-log of {} is not implemented yet",
            args.path.display()
        ),
    )
    .into())
}
