//! Reading docs/api.md's status codes, for the tests that hold clients and the broker to them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// A file of the repository, as text.
pub fn repo_file(path: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// gRPC's name of a code, as the docs and protos spell it.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

const ALL_CODE_NAMES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

/// The code names in a text: upper-case words that are gRPC codes.
pub fn codes_in(text: &str) -> BTreeSet<String> {
    text.split(|c: char| !(c.is_ascii_uppercase() || c == '_'))
        .filter(|w| ALL_CODE_NAMES.contains(w))
        .map(str::to_string)
        .collect()
}

/// The lines of the markdown section under `heading` (a whole heading line), up to the next
/// heading of the same or a higher level.
pub fn section<'a>(doc: &'a str, heading: &str) -> Vec<&'a str> {
    let level = heading.chars().take_while(|&c| c == '#').count();
    let mut lines = doc.lines().skip_while(|l| *l != heading);
    assert!(lines.next().is_some(), "no section {heading:?}");
    lines
        .take_while(|l| {
            let hashes = l.chars().take_while(|&c| c == '#').count();
            hashes == 0 || hashes > level || !l[hashes..].starts_with(' ')
        })
        .collect()
}

/// The codes the first cells of a section's table rows name (header and separator rows
/// name none).
pub fn table_codes(lines: &[&str]) -> BTreeSet<String> {
    lines
        .iter()
        .filter(|l| l.starts_with('|'))
        .filter_map(|l| l.split('|').nth(1))
        .flat_map(codes_in)
        .collect()
}

/// api.md's "Per RPC" tables: RPC name -> the codes its table lists.
pub fn per_rpc_codes() -> BTreeMap<String, BTreeSet<String>> {
    let doc = repo_file("docs/api.md");
    let mut per_rpc = BTreeMap::new();
    let mut current: Vec<String> = Vec::new();
    let mut rows: Vec<&str> = Vec::new();
    let mut flush = |current: &mut Vec<String>, rows: &mut Vec<&str>| {
        for rpc in current.drain(..) {
            per_rpc.insert(rpc, table_codes(rows));
        }
        rows.clear();
    };
    for line in section(&doc, "### Per RPC") {
        if let Some(heading) = line.strip_prefix("#### ") {
            flush(&mut current, &mut rows);
            current = heading
                .split('`')
                .skip(1)
                .step_by(2)
                .map(str::to_string)
                .collect();
            assert!(!current.is_empty(), "a heading without an RPC: {line}");
        } else {
            rows.push(line);
        }
    }
    flush(&mut current, &mut rows);
    per_rpc
}

/// api.md's "Every RPC" table.
pub fn common_codes() -> BTreeSet<String> {
    table_codes(&section(&repo_file("docs/api.md"), "### Every RPC"))
}

/// Every code api.md allows `rpc` to answer: its own and those of every RPC.
pub fn allowed_codes(rpc: &str) -> BTreeSet<String> {
    let mut codes = common_codes();
    let own = per_rpc_codes();
    let own = own
        .get(rpc)
        .unwrap_or_else(|| panic!("api.md has no status table for {rpc}"));
    codes.extend(own.iter().cloned());
    codes
}
