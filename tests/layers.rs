//! The layer graph, kept by a test: every `crate::` path and every use of the framework crates
//! (tonic, prost, clap, anyhow, dialoguer, indicatif, kafka_protocol) in src/ is an arrow from the file's
//! top-level module to what it names, and each arrow must be one `ALLOWED` permits or one of the
//! `KNOWN_EXCEPTIONS` (each with its reason). docs/architecture.md, "Layers", shows the same
//! table: this test checks it there too, so the two cannot drift.
//!
//! Known exceptions are deliberate, each with its reason (a command that hosts a broker imports
//! the node; one that reads segment files offline imports the storage). An exception no longer
//! used fails the test too, so the list only shrinks.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// A top-level module of src/ (a folder, or `tls.rs`) and what it may import: FlashQ modules
/// below it, and framework crates.
struct Layer {
    module: &'static str,
    may_import: &'static [&'static str],
}

/// From the top: cli -> client -> wire, and server (gRPC) or kafka (Kafka's protocol) -> cluster
/// -> broker -> storage. `wire` is
/// the generated contract both sides share; `tls` reads PEM files for both.
const ALLOWED: &[Layer] = &[
    Layer {
        module: "cli",
        may_import: &[
            "protocol",
            "client",
            "tls",
            "anyhow",
            "clap",
            "dialoguer",
            "indicatif",
        ],
    },
    Layer {
        module: "client",
        may_import: &["protocol", "wire", "tls", "tonic", "prost"],
    },
    Layer {
        module: "node",
        may_import: &[
            "protocol", "server", "kafka", "cluster", "broker", "storage", "tls",
        ],
    },
    Layer {
        module: "server",
        may_import: &[
            "protocol", "cluster", "broker", "storage", "wire", "tls", "tonic", "prost",
        ],
    },
    Layer {
        module: "kafka",
        may_import: &[
            "protocol",
            "cluster",
            "broker",
            "storage",
            "tls",
            "kafka_protocol",
        ],
    },
    Layer {
        module: "cluster",
        may_import: &[
            "protocol", "broker", "storage", "wire", "tls", "tonic", "prost",
        ],
    },
    Layer {
        module: "broker",
        may_import: &["protocol", "storage"],
    },
    Layer {
        module: "storage",
        may_import: &["protocol"],
    },
    Layer {
        module: "protocol",
        may_import: &[],
    },
    Layer {
        module: "wire",
        may_import: &["protocol", "tonic", "prost"],
    },
    Layer {
        module: "tls",
        may_import: &["protocol", "tonic"],
    },
];

/// Every module the checker knows as a target: FlashQ's top-level modules and the frameworks.
const FRAMEWORKS: &[&str] = &[
    "tonic",
    "prost",
    "clap",
    "anyhow",
    "dialoguer",
    "indicatif",
    "kafka_protocol",
];

/// Arrows the table does not allow, by file (relative to src/) and target, with why they stand.
const KNOWN_EXCEPTIONS: &[(&str, &str, &str)] = &[
    // Commands that host a broker or read segment files offline.
    ("cli/serve.rs", "node", "serve hosts the broker"),
    ("cli/serve.rs", "server", "serve hosts the broker"),
    ("cli/serve.rs", "kafka", "serve hosts the broker"),
    ("cli/serve.rs", "storage", "serve hosts the broker"),
    ("cli/serve.rs", "cluster", "serve hosts the broker"),
    ("cli/serve.rs", "broker", "serve hosts the broker"),
    ("cli/demo.rs", "node", "demo hosts an embedded broker"),
    (
        "cli/inspect_log.rs",
        "storage",
        "inspect-log reads segment files offline",
    ),
    (
        "cli/bench/mod.rs",
        "node",
        "bench --embedded hosts a broker",
    ),
    (
        "cli/bench/mod.rs",
        "storage",
        "bench --embedded hosts a broker",
    ),
    (
        "cli/bench/storage.rs",
        "storage",
        "bench storage times the log itself",
    ),
    // init writes the broker's own settings for serve to read, as serve names them.
    (
        "cli/init.rs",
        "storage",
        "init writes serve's fsync policy, which is the storage's",
    ),
];

/// One arrow: `file` (relative to src/) names `target` at `line`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Arrow {
    file: String,
    line: usize,
    target: String,
}

/// The file's source with comments blanked out (line structure kept), so doc comments that
/// name another layer are not arrows.
fn without_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for line in source.lines() {
        let mut in_string = false;
        let mut cut = line.len();
        let bytes = line.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' if in_string => i += 1,
                b'"' => in_string = !in_string,
                b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => {
                    cut = i;
                    break;
                }
                _ => {}
            }
            i += 1;
        }
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The identifier starting at `at`, if any.
fn ident_at(text: &str, at: usize) -> &str {
    let end = text[at..]
        .bytes()
        .position(|b| !is_ident_byte(b))
        .map_or(text.len(), |n| at + n);
    &text[at..end]
}

/// The top-level names of a `{a::b, c, d::{e}}` group starting at `open` (the `{`).
fn group_heads(text: &str, open: usize) -> Vec<(usize, String)> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut expect_head = true;
    for (i, b) in text.bytes().enumerate().skip(open) {
        match b {
            b'{' => {
                depth += 1;
                expect_head = depth == 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            b',' if depth == 1 => expect_head = true,
            _ if expect_head && depth == 1 && is_ident_byte(b) => {
                heads.push((i, ident_at(text, i).to_string()));
                expect_head = false;
            }
            _ => {}
        }
    }
    heads
}

/// Every arrow in one file's source: `crate::X` (and `crate::{X, Y}`) and `framework::`.
fn arrows_in(file: &str, source: &str) -> Vec<Arrow> {
    let text = without_comments(source);
    let line_of = |at: usize| text[..at].bytes().filter(|b| *b == b'\n').count() + 1;
    let mut arrows = Vec::new();
    let mut push = |at: usize, target: &str| {
        arrows.push(Arrow {
            file: file.to_string(),
            line: line_of(at),
            target: target.to_string(),
        })
    };
    for (at, _) in text.match_indices("crate::") {
        if at > 0 && is_ident_byte(text.as_bytes()[at - 1]) {
            continue; // e.g. `flashq_crate::`
        }
        let after = at + "crate::".len();
        if text[after..].starts_with('{') {
            for (head_at, head) in group_heads(&text, after) {
                push(head_at, &head);
            }
        } else {
            push(at, ident_at(&text, after));
        }
    }
    for framework in FRAMEWORKS {
        let needle = format!("{framework}::");
        for (at, _) in text.match_indices(&needle) {
            let before = &text[..at];
            if before.ends_with("::") || before.bytes().last().is_some_and(is_ident_byte) {
                continue; // a path inside another module, or a longer name
            }
            push(at, framework);
        }
    }
    arrows
}

/// The top-level module a file (relative to src/) belongs to; `None` for the crate root.
fn module_of(file: &str) -> Option<&str> {
    match file.split_once('/') {
        Some((dir, _)) => Some(dir),
        None if file == "lib.rs" || file == "main.rs" => None,
        None => file.strip_suffix(".rs"),
    }
}

/// The arrows neither `ALLOWED` nor `exceptions` permit, and the exceptions no arrow used.
fn check(
    arrows: &[Arrow],
    exceptions: &[(&str, &str, &str)],
) -> (Vec<Arrow>, Vec<(String, String)>) {
    let mut used = BTreeSet::new();
    let mut forbidden = Vec::new();
    for arrow in arrows {
        let Some(module) = module_of(&arrow.file) else {
            continue;
        };
        if arrow.target == module || arrow.target == "self" || arrow.target == "super" {
            continue;
        }
        let layer = ALLOWED
            .iter()
            .find(|l| l.module == module)
            .unwrap_or_else(|| panic!("{}: module {module} is not in ALLOWED", arrow.file));
        let is_flashq_module = ALLOWED.iter().any(|l| l.module == arrow.target);
        if !is_flashq_module && !FRAMEWORKS.contains(&arrow.target.as_str()) {
            continue; // a crate-root item, like a re-export or a macro
        }
        if layer.may_import.contains(&arrow.target.as_str()) {
            continue;
        }
        match exceptions
            .iter()
            .find(|(file, target, _)| *file == arrow.file && *target == arrow.target)
        {
            Some((file, target, _)) => {
                used.insert((file.to_string(), target.to_string()));
            }
            None => forbidden.push(arrow.clone()),
        }
    }
    let unused = exceptions
        .iter()
        .map(|(file, target, _)| (file.to_string(), target.to_string()))
        .filter(|e| !used.contains(e))
        .collect();
    (forbidden, unused)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn src_arrows() -> Vec<Arrow> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut arrows = Vec::new();
    for path in files {
        let relative = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(&path).unwrap();
        arrows.extend(arrows_in(&relative, &source));
    }
    arrows
}

#[test]
fn every_import_in_src_follows_the_layers() {
    let arrows = src_arrows();
    assert!(
        arrows.len() > 100,
        "the checker found only {} arrows",
        arrows.len()
    );
    let (forbidden, unused) = check(&arrows, KNOWN_EXCEPTIONS);
    let report: Vec<String> = forbidden
        .iter()
        .map(|a| {
            let module = module_of(&a.file).unwrap_or("?");
            format!("src/{}:{}: {module} imports {}", a.file, a.line, a.target)
        })
        .collect();
    assert!(
        report.is_empty(),
        "imports against the layers (docs/architecture.md, \"Layers\"):\n{}",
        report.join("\n")
    );
    assert!(
        unused.is_empty(),
        "known exceptions no longer needed: remove them from KNOWN_EXCEPTIONS: {unused:?}"
    );
}

/// The table docs/architecture.md shows, one row per layer.
fn table_rows() -> Vec<String> {
    ALLOWED
        .iter()
        .map(|l| {
            let may: Vec<String> = l.may_import.iter().map(|m| format!("`{m}`")).collect();
            let may = if may.is_empty() {
                "nothing".to_string()
            } else {
                may.join(", ")
            };
            format!("| `{}` | {may} |", l.module)
        })
        .collect()
}

#[test]
fn architecture_md_shows_the_same_table() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/architecture.md"))
            .unwrap();
    let missing: Vec<String> = table_rows()
        .into_iter()
        .filter(|row| !doc.lines().any(|line| line == row))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/architecture.md, \"Layers\", lacks these rows of tests/layers.rs:\n{}",
        missing.join("\n")
    );
}

#[test]
fn a_forbidden_import_is_reported_with_its_file_and_line() {
    let source = "//! Doc comments naming crate::server are not imports.\n\
                  use crate::storage::Record;\n\
                  use crate::{\n    storage::batch,\n    client::Client,\n};\n\
                  let s = \"// not a comment\"; let x = tonic::Status::ok(\"\");\n";
    let arrows = arrows_in("broker/bad.rs", source);
    let (forbidden, unused) = check(&arrows, &[]);
    let found: Vec<(usize, &str)> = forbidden
        .iter()
        .map(|a| (a.line, a.target.as_str()))
        .collect();
    assert_eq!(found, vec![(5, "client"), (7, "tonic")]);
    assert!(unused.is_empty());
}

#[test]
fn an_exception_nothing_uses_is_reported() {
    let arrows = arrows_in("broker/fine.rs", "use crate::storage::Record;\n");
    let (forbidden, unused) = check(&arrows, &[("broker/fine.rs", "client", "gone")]);
    assert!(forbidden.is_empty());
    assert_eq!(
        unused,
        vec![("broker/fine.rs".to_string(), "client".to_string())]
    );
}
