//! The `flashq` executable: parse the command line, run the command, map errors to exit codes.

use clap::Parser;
use flashq::cli::{self, CliError, ExitCode};

// glibc's malloc hands out every block over 128 KiB with mmap and returns it with munmap, so each
// multi-MiB fetch response and produce request paid page faults and page clearing (a tenth of a
// consume's samples in perf); mimalloc keeps and reuses such memory.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    // A shell asking for dynamic completions gets them and nothing else.
    cli::completions::complete_if_asked();
    let cli = cli::Cli::parse();
    let json = cli.global.output.is_some_and(|o| o.is_json());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return report(
                &CliError::new(ExitCode::Failure, format!("cannot start: {e}")),
                json,
            );
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => report(&cli::exit::classify(e), json),
    }
}

fn report(error: &CliError, json: bool) -> std::process::ExitCode {
    if json {
        let object = serde_json::json!({
            "error": { "code": error.code.name(), "exit_code": error.code as u8, "message": error.message, "hint": error.hint }
        });
        eprintln!("{object}");
    } else {
        eprintln!("error: {}", error.message);
        if let Some(hint) = &error.hint {
            eprintln!("hint: {hint}");
        }
    }
    std::process::ExitCode::from(error.code as u8)
}
