//! `flashq man`: man pages generated from the clap definitions, one per (nested) subcommand.
//!
//! The pages checked into `man/` come from [`pages`]; a test compares them with a fresh
//! generation, so a new flag without regenerated pages fails the build.

use std::path::PathBuf;

use clap::{Args, CommandFactory};

use super::{Cli, CliError, ExitCode};

/// `flashq man` arguments.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Dir to write the pages into (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

/// Every page as (file name, roff text): `flashq.1`, then `flashq-serve.1`,
/// `flashq-topic.1`, `flashq-topic-create.1`, ... for every subcommand but `help`.
pub fn pages() -> Vec<(String, Vec<u8>)> {
    let mut command = Cli::command().disable_help_subcommand(true);
    // Building propagates global flags and sets each subcommand's display name
    // (flashq-topic-create), which names its page.
    command.build();
    let mut pages = Vec::new();
    collect(command, &mut pages);
    pages
}

fn collect(command: clap::Command, pages: &mut Vec<(String, Vec<u8>)>) {
    let man = clap_mangen::Man::new(command.clone());
    let mut text = Vec::new();
    // Rendering into memory cannot fail.
    let _ = man.render(&mut text);
    pages.push((man.get_filename(), text));
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        collect(sub.clone(), pages);
    }
}

/// Runs `flashq man`: writes every page into the dir.
pub fn run(args: ManArgs) -> anyhow::Result<()> {
    let dir = &args.out_dir;
    std::fs::create_dir_all(dir).map_err(|e| {
        CliError::new(
            ExitCode::Failure,
            format!("cannot create {}: {e}", dir.display()),
        )
    })?;
    for (name, text) in pages() {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| {
            CliError::new(
                ExitCode::Failure,
                format!("cannot write {}: {e}", path.display()),
            )
        })?;
        println!("{}", path.display());
    }
    Ok(())
}
