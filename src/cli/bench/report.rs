//! The results of a benchmark run: a table for people, one JSON object for scripts.

use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::cli::OutputFormat;
use crate::cli::output::{print_json, table};

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, Serialize)]
pub struct LatencyUs {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
    /// What was measured, e.g. "produce request -> acknowledgement".
    pub measured: String,
}

impl LatencyUs {
    /// Percentiles of a histogram recorded in nanoseconds.
    pub fn from_ns(histogram: &Histogram<u64>, measured: &str) -> LatencyUs {
        let us = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
        LatencyUs {
            p50: us(0.5),
            p90: us(0.9),
            p99: us(0.99),
            p999: us(0.999),
            max: histogram.max() as f64 / 1000.0,
            measured: measured.to_string(),
        }
    }
}

/// What one benchmark run measured.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub mode: String,
    pub records: u64,
    pub bytes: u64,
    pub duration_s: f64,
    pub records_per_s: f64,
    pub mb_per_s: f64,
    pub latency_us: Option<LatencyUs>,
    pub peak_rss_kib: Option<u64>,
    pub record_size: usize,
    pub batch_size: usize,
    pub partitions: u32,
    pub notes: Vec<String>,
    /// Why the run failed its own check (bench load: records lost or out of order).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
}

impl BenchReport {
    pub fn new(mode: &str, records: u64, bytes: u64, elapsed: Duration) -> BenchReport {
        let seconds = elapsed.as_secs_f64().max(1e-9);
        BenchReport {
            mode: mode.to_string(),
            records,
            bytes,
            duration_s: seconds,
            records_per_s: records as f64 / seconds,
            mb_per_s: bytes as f64 / seconds / 1_000_000.0,
            latency_us: None,
            peak_rss_kib: super::peak_rss_kib(),
            record_size: 0,
            batch_size: 0,
            partitions: 0,
            notes: Vec::new(),
            failure: None,
        }
    }

    pub fn print(&self, output: OutputFormat) -> anyhow::Result<()> {
        if output.is_json() {
            return print_json(self);
        }
        let mut t = table(&["metric", "value"]);
        t.add_row(vec!["mode".to_string(), self.mode.clone()]);
        t.add_row(vec!["records".to_string(), self.records.to_string()]);
        t.add_row(vec![
            "bytes".to_string(),
            format!("{} ({} B records)", self.bytes, self.record_size),
        ]);
        t.add_row(vec![
            "duration".to_string(),
            format!("{:.2} s", self.duration_s),
        ]);
        t.add_row(vec![
            "records/s".to_string(),
            format!("{:.0}", self.records_per_s),
        ]);
        t.add_row(vec!["MB/s".to_string(), format!("{:.1}", self.mb_per_s)]);
        if let Some(l) = &self.latency_us {
            t.add_row(vec![
                format!("latency ({})", l.measured),
                format!(
                    "p50 {:.0} µs, p90 {:.0} µs, p99 {:.0} µs, p99.9 {:.0} µs, max {:.0} µs",
                    l.p50, l.p90, l.p99, l.p999, l.max
                ),
            ]);
        }
        if let Some(rss) = self.peak_rss_kib {
            t.add_row(vec![
                "peak RSS".to_string(),
                format!("{:.1} MiB", rss as f64 / 1024.0),
            ]);
        }
        t.add_row(vec![
            "batch / partitions".to_string(),
            format!("{} / {}", self.batch_size, self.partitions),
        ]);
        for note in &self.notes {
            t.add_row(vec!["note".to_string(), note.clone()]);
        }
        println!("{t}");
        Ok(())
    }
}
