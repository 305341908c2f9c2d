//! Live progress on stderr (records/s, MB/s, elapsed, ETA), only on a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A progress bar counting records; hidden unless stderr is a terminal and progress is wanted.
pub fn records_bar(total: Option<u64>, wanted: bool) -> ProgressBar {
    let bar = match total {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::no_length(),
    };
    if !(wanted && std::io::stderr().is_terminal()) {
        bar.set_draw_target(ProgressDrawTarget::hidden());
        return bar;
    }
    let template = if total.is_some() {
        "{elapsed_precise} [{bar:30}] {human_pos}/{human_len} records, {per_sec} ({msg}), ETA {eta}"
    } else {
        "{elapsed_precise} {human_pos} records, {per_sec} ({msg})"
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Updates the bar's message with MB/s for `bytes` so far.
pub fn show_bandwidth(bar: &ProgressBar, bytes: u64) {
    let seconds = bar.elapsed().as_secs_f64().max(1e-9);
    bar.set_message(format!("{:.1} MB/s", bytes as f64 / seconds / 1e6));
}
