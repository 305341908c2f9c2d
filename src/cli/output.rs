//! How results are printed: text for people, tables, or JSON for scripts.
//!
//! stdout carries results only; notices and errors go to stderr.

use serde::{Deserialize, Serialize};

/// The output format chosen with `-o`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// Human text (tables where a command lists things)
    #[default]
    Text,
    /// Tables
    Table,
    /// JSON: one object per result, NDJSON for record streams
    Json,
}

impl OutputFormat {
    pub fn is_json(self) -> bool {
        self == OutputFormat::Json
    }
}

/// Prints one JSON value on its own line.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// A table with FlashQ's look: header row, no borders that break `grep`.
pub fn table(header: &[&str]) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table
        .load_style(comfy_table::presets::UTF8_FULL_CONDENSED)
        .set_header(header.iter().copied());
    table
}
