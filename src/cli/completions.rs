//! `flashq completions`: shell completion scripts generated from the clap definitions.
//!
//! The scripts checked into `completions/` come from [`script`]; a test compares them with a
//! fresh generation, so a new flag without regenerated scripts fails the build.

use std::path::PathBuf;

use clap::{Args, CommandFactory, Parser};
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

/// How long completing a topic name may wait for the broker before offering nothing.
pub const DYNAMIC_COMPLETION_TIMEOUT_MS: u64 = 1_000;
/// The environment variable through which a shell asks `flashq` itself for completions
/// (`source <(FLASHQ_COMPLETE=bash flashq)`); the static scripts do not use it.
pub const DYNAMIC_COMPLETION_VAR: &str = "FLASHQ_COMPLETE";

/// The command that regenerates `completions/` and `man/` from a checkout.
pub const REGENERATE_COMMAND: &str = "scripts/regen-docs.sh";

/// `flashq completions` arguments: one shell, or every shell into a dir.
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

/// Answers a shell's completion request when [`DYNAMIC_COMPLETION_VAR`] is set, and exits;
/// otherwise returns at once.
pub fn complete_if_asked() {
    clap_complete::CompleteEnv::with_factory(Cli::command)
        .var(DYNAMIC_COMPLETION_VAR)
        .complete();
}

/// The broker's topic names, for dynamic completion; see [`names_from_broker`].
pub fn topic_names() -> Vec<clap_complete::CompletionCandidate> {
    names_from_broker(Listing::Topics)
}

/// The broker's consumer group names, for dynamic completion; see [`names_from_broker`].
pub fn group_names() -> Vec<clap_complete::CompletionCandidate> {
    names_from_broker(Listing::Groups)
}

/// What a completion lists.
#[derive(Clone, Copy)]
enum Listing {
    Topics,
    Groups,
}

/// Names the broker lists, as completion candidates. The broker is the one the environment
/// and config file name (the command line being completed is not parsed yet). Nothing is
/// offered, silently, when no broker answers within [`DYNAMIC_COMPLETION_TIMEOUT_MS`].
fn names_from_broker(listing: Listing) -> Vec<clap_complete::CompletionCandidate> {
    // Parsing a fixed command line resolves the global flags from the environment.
    let Ok(cli) = Cli::try_parse_from(["flashq", "topic", "list"]) else {
        return Vec::new();
    };
    let Ok(ctx) = super::Context::resolve(&cli.global) else {
        return Vec::new();
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let list = async {
        let client = ctx.connect().await?;
        Ok::<_, anyhow::Error>(match listing {
            Listing::Topics => client
                .list_topics()
                .await?
                .into_iter()
                .map(|t| t.name)
                .collect::<Vec<_>>(),
            Listing::Groups => client
                .list_groups()
                .await?
                .into_iter()
                .map(|g| g.group)
                .collect(),
        })
    };
    // The timer must be created inside the runtime, hence the async block around it.
    let listed = runtime.block_on(async {
        tokio::time::timeout(
            std::time::Duration::from_millis(DYNAMIC_COMPLETION_TIMEOUT_MS),
            list,
        )
        .await
    });
    match listed {
        Ok(Ok(names)) => names
            .into_iter()
            .map(clap_complete::CompletionCandidate::new)
            .collect(),
        _ => Vec::new(),
    }
}

/// Runs `flashq completions`.
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
