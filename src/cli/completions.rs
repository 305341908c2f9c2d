//! `flashq completions`: shell completion scripts generated from the clap definitions.
//!
//! The scripts checked into `completions/` come from [`script`]; a test compares them with a
//! fresh generation, so a new flag without regenerated scripts fails the build.

use std::path::PathBuf;

use clap::{Args, CommandFactory};
use clap_complete::{Generator, Shell};

use super::{Cli, CliError, ExitCode};

/// The shells scripts are generated and checked in for.
pub const SHELLS: [Shell; 5] = [
    Shell::Bash,
    Shell::Zsh,
    Shell::Fish,
    Shell::Elvish,
    Shell::PowerShell,
];

/// The command that regenerates `completions/` and `man/` from a checkout.
pub const REGENERATE_COMMAND: &str = "scripts/regen-docs.sh";

#[derive(Debug, Args)]
#[group(id = "target", required = true, multiple = false)]
pub struct CompletionsArgs {
    /// Print this shell's script on stdout
    #[arg(value_enum)]
    pub shell: Option<Shell>,
    /// Write every shell's script into this dir instead (flashq.bash, _flashq, flashq.fish, flashq.elv, _flashq.ps1)
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

/// The file name a shell's script is installed under, as the shell expects it.
pub fn file_name(shell: Shell) -> String {
    shell.file_name("flashq")
}

/// The completion script for `shell`.
pub fn script(shell: Shell) -> Vec<u8> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "flashq", &mut out);
    out
}

pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    use std::io::Write;
    match (args.shell, args.out_dir) {
        (Some(shell), None) => {
            let mut out = std::io::stdout().lock();
            out.write_all(&script(shell))?;
            out.flush()?;
        }
        (None, Some(dir)) => {
            std::fs::create_dir_all(&dir).map_err(|e| {
                CliError::new(
                    ExitCode::Failure,
                    format!("cannot create {}: {e}", dir.display()),
                )
            })?;
            for shell in SHELLS {
                let path = dir.join(file_name(shell));
                std::fs::write(&path, script(shell)).map_err(|e| {
                    CliError::new(
                        ExitCode::Failure,
                        format!("cannot write {}: {e}", path.display()),
                    )
                })?;
                println!("{}", path.display());
            }
        }
        // clap's argument group makes exactly one of them present.
        _ => {
            return Err(CliError::new(ExitCode::Usage, "give a shell or --out-dir").into());
        }
    }
    Ok(())
}
