//! `flashq inspect-log`: summarise, dump and verify segment files offline, never modifying them.
//!
//! The work is done by [`crate::storage::inspect`]; this file only chooses what to run and prints
//! it: text for people, a table of segments, or JSON (one summary object; NDJSON records).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use base64::Engine;
use bytes::Bytes;
use clap::Args;
use serde_json::Value;

use super::record_format::{Encoding, JsonRecord, RecordParts};
use super::{CliError, Context, ExitCode, OutputFormat};
use crate::storage::batch::RecordBatch;
use crate::storage::inspect::{self, InspectError, Problem, Report, Target};

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

pub fn run(args: InspectLogArgs, ctx: &Context) -> anyhow::Result<()> {
    let target = Target::resolve(&args.path).map_err(|e| match e {
        InspectError::NotFound(path) => CliError::new(
            ExitCode::NotFound,
            format!("{} does not exist", path.display()),
        )
        .with_hint("give a segment file (<data>/topics/<topic>/<partition>/<base offset>.log) or a partition dir"),
        InspectError::NotASegment { .. } => CliError::new(ExitCode::InvalidInput, e.to_string())
            .with_hint("give a segment file (<data>/topics/<topic>/<partition>/<base offset>.log) or a partition dir"),
        InspectError::Io { .. } => CliError::new(ExitCode::Failure, e.to_string()),
    })?;
    let mut stdout = std::io::stdout().lock();
    let mut on_batch = |_: &Path, batch: &RecordBatch| -> std::io::Result<()> {
        if args.records {
            print_records(&mut stdout, ctx.output, &target, batch)?;
        }
        Ok(())
    };
    let report = inspect::inspect(&target, args.verify, &mut on_batch)
        .map_err(|e| CliError::new(ExitCode::Failure, e.to_string()))?;
    stdout.flush()?;
    drop(stdout);

    if args.verify {
        print_verification(ctx.output, &report)?;
        if !report.problems.is_empty() {
            return Err(CliError::new(
                ExitCode::Corrupt,
                format!(
                    "verification of {} found {} problem(s)",
                    report.path,
                    report.problems.len()
                ),
            )
            .into());
        }
    } else if args.records {
        // stdout carries the records; problems met on the way are notices.
        for problem in &report.problems {
            eprintln!("warning: {}", describe(problem));
        }
    } else {
        print_summary(ctx.output, &report)?;
    }
    Ok(())
}

fn describe(problem: &Problem) -> String {
    format!(
        "{} at byte {}: {}",
        problem.file, problem.position, problem.message
    )
}

/// Milliseconds since the epoch as RFC 3339, when representable (years 1970 to 9999). Stored
/// timestamps are whatever producers sent, so the rest must not reach humantime, which panics.
fn rfc3339(ms: i64) -> Option<String> {
    const MAX_MS: i64 = 253_402_300_799_999;
    (0..=MAX_MS).contains(&ms).then(|| {
        humantime::format_rfc3339_millis(UNIX_EPOCH + Duration::from_millis(ms as u64)).to_string()
    })
}

fn time_range(min: Option<i64>, max: Option<i64>) -> String {
    let show = |ms: Option<i64>| match ms {
        Some(ms) => rfc3339(ms).unwrap_or_else(|| format!("{ms} ms")),
        None => "-".to_string(),
    };
    match (min, max) {
        (None, None) => "-".to_string(),
        _ => format!("{} .. {}", show(min), show(max)),
    }
}

fn offset_range(first: Option<u64>, last: Option<u64>) -> String {
    match (first, last) {
        (Some(first), Some(last)) => format!("{first}..={last}"),
        _ => "-".to_string(),
    }
}

fn print_summary(output: OutputFormat, report: &Report) -> anyhow::Result<()> {
    if output.is_json() {
        return super::output::print_json(report);
    }
    let mut out = std::io::stdout().lock();
    if output == OutputFormat::Table {
        let mut table = super::output::table(&[
            "segment", "base", "batches", "records", "bytes", "offsets", "time",
        ]);
        for s in &report.segments {
            table.add_row(vec![
                s.file.clone(),
                s.base_offset.to_string(),
                s.batches.to_string(),
                s.records.to_string(),
                s.size_bytes.to_string(),
                offset_range(s.first_offset, s.last_offset),
                time_range(s.min_timestamp_ms, s.max_timestamp_ms),
            ]);
        }
        writeln!(out, "{table}")?;
    }
    writeln!(out, "path:      {}", report.path)?;
    if let (Some(topic), Some(partition)) = (&report.topic, report.partition) {
        writeln!(out, "partition: {topic}/{partition}")?;
    }
    writeln!(out, "segments:  {}", report.segments.len())?;
    writeln!(
        out,
        "offsets:   {}",
        offset_range(report.first_offset, report.last_offset)
    )?;
    writeln!(
        out,
        "time:      {}",
        time_range(report.min_timestamp_ms, report.max_timestamp_ms)
    )?;
    writeln!(out, "batches:   {}", report.batches)?;
    writeln!(out, "records:   {}", report.records)?;
    writeln!(out, "bytes:     {}", report.size_bytes)?;
    if report.problems.is_empty() {
        writeln!(
            out,
            "problems:  none found (run with --verify to check indexes too)"
        )?;
    } else {
        writeln!(out, "problems:  {}", report.problems.len())?;
        for problem in &report.problems {
            writeln!(out, "  {}", describe(problem))?;
        }
    }
    Ok(())
}

fn print_verification(output: OutputFormat, report: &Report) -> anyhow::Result<()> {
    if output.is_json() {
        let mut object = serde_json::to_value(report)?;
        if let Value::Object(map) = &mut object {
            map.insert("ok".into(), Value::Bool(report.problems.is_empty()));
        }
        return super::output::print_json(&object);
    }
    let mut out = std::io::stdout().lock();
    if report.problems.is_empty() {
        writeln!(
            out,
            "ok: {} segment(s), {} batches, {} records verified (CRCs, offset order, indexes)",
            report.segments.len(),
            report.batches,
            report.records
        )?;
    } else {
        for problem in &report.problems {
            writeln!(out, "{}", describe(problem))?;
        }
    }
    Ok(())
}

/// Bytes for a person: the text when UTF-8, else `base64:<...>`.
fn show_bytes(bytes: &Bytes) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => format!("{text:?}"),
        Err(_) => format!(
            "base64:{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
    }
}

fn print_records(
    out: &mut impl Write,
    output: OutputFormat,
    target: &Target,
    batch: &RecordBatch,
) -> std::io::Result<()> {
    for stored in &batch.records {
        let record = &stored.record;
        if output.is_json() {
            // The same NDJSON record as `consume -o json`, so a dump can be fed to `produce`.
            let json = JsonRecord::from_parts(
                target.topic.clone(),
                target.partition,
                RecordParts {
                    offset: stored.offset,
                    timestamp_ms: record.timestamp_ms,
                    key: record.key.as_deref(),
                    value: &record.value,
                    headers: &mut record
                        .headers
                        .iter()
                        .map(|h| (h.key.as_str(), &h.value[..])),
                },
                Encoding::Utf8,
            );
            serde_json::to_writer(&mut *out, &json)?;
            writeln!(out)?;
        } else {
            let key = record.key.as_ref().map_or("null".to_string(), show_bytes);
            let timestamp =
                rfc3339(record.timestamp_ms).unwrap_or_else(|| record.timestamp_ms.to_string());
            write!(
                out,
                "offset={} timestamp={timestamp} key={key} value={}",
                stored.offset,
                show_bytes(&record.value)
            )?;
            for h in &record.headers {
                write!(out, " header:{}={}", h.key, show_bytes(&h.value))?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
