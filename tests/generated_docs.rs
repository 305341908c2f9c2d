//! The checked-in shell completions (completions/) and man pages (man/) match the clap
//! definitions, they load in their tools, and docs/operations.md covers every flag and config key.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use flashq::cli::Cli;
use flashq::cli::completions::{REGENERATE_COMMAND, SHELLS, file_name, script};

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

fn stale(what: &str) -> String {
    format!(
        "{what} is stale: the clap definitions changed. Regenerate with `{REGENERATE_COMMAND}` \
         (or `cargo run -- completions --out-dir completions && cargo run -- man --out-dir man`) \
         and commit the result"
    )
}

#[test]
fn checked_in_completions_match_the_cli() {
    for shell in SHELLS {
        let path = repo("completions").join(file_name(shell));
        let checked_in = std::fs::read(&path).unwrap_or_default();
        assert!(
            checked_in == script(shell),
            "{}",
            stale(&path.display().to_string())
        );
    }
}

#[test]
fn checked_in_man_pages_match_the_cli() {
    let pages = flashq::cli::man::pages();
    for (name, text) in &pages {
        let path = repo("man").join(name);
        let checked_in = std::fs::read(&path).unwrap_or_default();
        assert!(
            checked_in == *text,
            "{}",
            stale(&path.display().to_string())
        );
    }
    // A page for a subcommand that no longer exists is stale too.
    for entry in std::fs::read_dir(repo("man")).expect("man/ exists") {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            pages.iter().any(|(page, _)| *page == name),
            "{}",
            stale(&format!("man/{name} (no such subcommand)"))
        );
    }
}

/// Every subcommand path, like ["topic", "create"].
fn subcommand_paths(command: &clap::Command, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    for sub in command.get_subcommands() {
        if sub.get_name() == "help" {
            continue;
        }
        let mut path = prefix.clone();
        path.push(sub.get_name().to_string());
        out.push(path.clone());
        subcommand_paths(sub, path, out);
    }
}

#[test]
fn every_subcommand_has_a_man_page() {
    let mut paths = Vec::new();
    subcommand_paths(&Cli::command(), Vec::new(), &mut paths);
    assert!(paths.iter().any(|p| p == &["topic", "create"]));
    assert!(repo("man/flashq.1").exists());
    for path in paths {
        let page = repo("man").join(format!("flashq-{}.1", path.join("-")));
        assert!(page.exists(), "no man page {}", page.display());
    }
}

#[test]
fn bash_completion_loads_and_registers_flashq() {
    let output = Command::new("bash")
        .current_dir(repo(""))
        .args(["-c", "source completions/flashq.bash && complete -p flashq"])
        .output()
        .expect("run bash");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("flashq"));
}

#[test]
fn man_renders_the_main_page() {
    let rendered = Command::new("man")
        .current_dir(repo(""))
        .args(["-l", "man/flashq.1"])
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("MANWIDTH", "100")
        .output();
    match rendered {
        Ok(output) => {
            assert!(
                output.status.success(),
                "man -l failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let text = String::from_utf8_lossy(&output.stdout);
            for section in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS"] {
                assert!(text.contains(section), "no {section} in:\n{text}");
            }
            assert!(text.contains("flashq-serve(1)"), "{text}");
        }
        // No man on this machine: check the roff structure instead.
        Err(_) => {
            let roff = std::fs::read_to_string(repo("man/flashq.1")).unwrap();
            assert!(roff.contains(".TH flashq 1"), "{roff}");
            for section in ["NAME", "SYNOPSIS", "OPTIONS", "SUBCOMMANDS"] {
                assert!(roff.contains(&format!(".SH {section}")), "no {section}");
            }
        }
    }
}

/// Every long flag of every (nested) subcommand, with the subcommand it belongs to.
fn long_flags(command: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
    for arg in command.get_arguments() {
        if let Some(long) = arg.get_long().filter(|l| *l != "help" && *l != "version") {
            out.push((path.to_string(), format!("--{long}")));
        }
    }
    for sub in command.get_subcommands() {
        long_flags(sub, &format!("{path} {}", sub.get_name()), out);
    }
}

#[test]
fn operations_doc_covers_every_flag_and_config_key() {
    let doc = std::fs::read_to_string(repo("docs/operations.md")).expect("docs/operations.md");
    let mut flags = Vec::new();
    long_flags(&Cli::command(), "flashq", &mut flags);
    let missing: Vec<_> = flags
        .iter()
        .filter(|(_, flag)| !doc.contains(&format!("`{flag}")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/operations.md does not document these flags: {missing:?}"
    );

    let every_key = flashq::cli::config::Config {
        broker: Some(String::new()),
        output: Some(Default::default()),
        data_dir: Some(PathBuf::new()),
        fsync: Some(String::new()),
        token: Some(String::new()),
        tls_ca: Some(PathBuf::new()),
        tls_cert: Some(PathBuf::new()),
        tls_key: Some(PathBuf::new()),
    };
    let text = every_key.to_toml().unwrap();
    let table: toml::Table = toml::from_str(&text).unwrap();
    for key in table.keys() {
        assert!(
            doc.contains(&format!("`{key}`")),
            "docs/operations.md does not document config key {key}"
        );
    }
}

#[test]
fn dynamic_completion_offers_the_brokers_topics_and_groups_and_nothing_without_a_broker() {
    let broker = common::TestBroker::start(&["--storage", "memory"]);
    for topic in ["alpha", "beta", "gamma"] {
        broker
            .cmd()
            .args(["topic", "create", topic])
            .assert()
            .success();
    }
    let complete = |address: &str, words: &[&str]| {
        let output = common::flashq_cmd()
            .env("FLASHQ_BROKER", address)
            .env(flashq::cli::completions::DYNAMIC_COMPLETION_VAR, "fish")
            .arg("--")
            .args(words)
            .assert()
            .success();
        common::stdout_of(output)
    };
    let offered = complete(&broker.address, &["flashq", "consume", "--topic", ""]);
    assert_eq!(
        offered.lines().collect::<Vec<_>>(),
        ["alpha", "beta", "gamma"]
    );
    let offered = complete(&broker.address, &["flashq", "topic", "describe", "g"]);
    assert_eq!(offered.lines().collect::<Vec<_>>(), ["gamma"]);
    broker
        .cmd()
        .args([
            "group", "commit", "readers", "-t", "alpha", "-p", "0", "--offset", "0",
        ])
        .assert()
        .success();
    // An empty positional word is offered flags too; the values are the groups.
    let offered = complete(&broker.address, &["flashq", "group", "describe", ""]);
    let values: Vec<_> = offered.lines().filter(|l| !l.starts_with('-')).collect();
    assert_eq!(values, ["readers"]);
    let offered = complete(
        &broker.address,
        &["flashq", "consume", "-t", "alpha", "--group", "r"],
    );
    assert_eq!(offered.lines().collect::<Vec<_>>(), ["readers"]);
    // Nothing answers there: no candidates, no error, no wait beyond the limit.
    let offered = complete("127.0.0.1:1", &["flashq", "produce", "-t", ""]);
    assert_eq!(offered, "");
}
