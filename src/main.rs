//! The `flashq` executable: parse the command line, run the command, map errors to exit codes.

use flashq::cli::{self, CliError, ExitCode};

fn main() -> std::process::ExitCode {
    tune_malloc();
    // A shell asking for dynamic completions gets them and nothing else.
    cli::completions::complete_if_asked();
    let cli = cli::Cli::parse_args();
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

/// glibc's malloc hands out blocks over 128 KiB (and, as it adapts, a few MiB) with mmap and
/// returns them with munmap, so every multi-MiB fetch response and produce request paid page
/// faults and page clearing: a tenth of a consume's samples in perf. Large blocks from the heap
/// are reused instead. (mimalloc removed the faults too, but with a hundred blocking threads
/// under load it held 4-5x the memory: 800 MiB against 176 MiB for 50 producers and 50
/// consumers.)
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const MMAP_THRESHOLD_BYTES: libc::c_int = 32 * 1024 * 1024;
        const TRIM_THRESHOLD_BYTES: libc::c_int = 64 * 1024 * 1024;
        // SAFETY: mallopt only sets allocator parameters; it is called before any thread starts.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES);
            libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES);
        }
    }
}
