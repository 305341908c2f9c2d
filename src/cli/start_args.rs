//! Where `consume` and `subscribe` start reading: one set of flags, one meaning.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Args;

use crate::client::Offset;

use super::record_format::parse_rfc3339_ms;
use super::{CliError, ExitCode};

/// The start-position flags; at most one may be given.
#[derive(Debug, Args, Clone)]
#[group(id = "start", multiple = false)]
pub struct StartArgs {
    /// Start at the first record still in the log
    #[arg(long)]
    pub from_beginning: bool,
    /// Start at this offset (clamped to each partition's range)
    #[arg(long, value_name = "N")]
    pub offset: Option<u64>,
    /// Start after the last record: only new records
    #[arg(long)]
    pub from_end: bool,
    /// Start at records from this long ago, like 10m, 2h or 1day
    #[arg(long, value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub since: Option<Duration>,
    /// Start at records at or after this time (RFC 3339)
    #[arg(long, value_name = "TIME")]
    pub from_time: Option<String>,
}

impl StartArgs {
    /// The chosen position, or `default` when no flag was given.
    pub fn position(&self, default: Offset) -> Result<Offset, CliError> {
        if self.from_beginning {
            return Ok(Offset::Earliest);
        }
        if let Some(offset) = self.offset {
            return Ok(Offset::At(offset));
        }
        if self.from_end {
            return Ok(Offset::Latest);
        }
        if let Some(since) = self.since {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default();
            return Ok(Offset::Timestamp(
                now.saturating_sub(since).as_millis() as i64
            ));
        }
        if let Some(time) = &self.from_time {
            return parse_rfc3339_ms(time)
                .map(Offset::Timestamp)
                .map_err(|e| CliError::new(ExitCode::Usage, format!("--from-time: {e}")));
        }
        Ok(default)
    }
}
