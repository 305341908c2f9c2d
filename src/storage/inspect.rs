//! Offline inspection of segment files and partition dirs: summaries, record dumps and
//! verification (CRCs, offset order, index consistency), as plain report structs.
//!
//! Strictly read-only: files are opened for reading only and nothing is repaired, so it is safe
//! to point at a live broker's data. Memory stays bounded by the largest batch whatever the file
//! size, and any bytes (garbage, truncated, empty files) give a report, never a panic. Printing
//! lives in the CLI (`flashq inspect-log`); nothing here knows about it.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::batch::{self, RecordBatch};
use super::index::{IndexEntry, OffsetEntry, TimeEntry};
use super::segment::{
    self, FrameError, FrameReader, INDEX_EXT, LOG_EXT, SCAN_CHUNK_BYTES, TIME_INDEX_EXT,
};

/// Why a path cannot be inspected at all (as opposed to problems found inside it).
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("{0} does not exist")]
    NotFound(PathBuf),
    #[error("{path} is not a segment file or partition dir: {reason}")]
    NotASegment { path: PathBuf, reason: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

fn io_error(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> InspectError {
    let context = context.into();
    move |source| InspectError::Io { context, source }
}

/// What to inspect: segment files in offset order, and the partition they belong to if known.
#[derive(Debug, Clone)]
pub struct Target {
    pub path: PathBuf,
    pub segments: Vec<PathBuf>,
    /// True when `path` is a partition dir (so the segments must chain and closed segments
    /// must have indexes).
    pub is_dir: bool,
    pub topic: Option<String>,
    pub partition: Option<u32>,
}

impl Target {
    /// Resolves a `.log` file or a partition dir.
    pub fn resolve(path: &Path) -> Result<Target, InspectError> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(InspectError::NotFound(path.to_path_buf()));
            }
            Err(e) => return Err(io_error(format!("reading {}", path.display()))(e)),
        };
        let not_a_segment = |reason: &str| InspectError::NotASegment {
            path: path.to_path_buf(),
            reason: reason.to_string(),
        };
        let (dir, segments, is_dir) = if meta.is_dir() {
            let mut bases = Vec::new();
            let entries =
                std::fs::read_dir(path).map_err(io_error(format!("listing {}", path.display())))?;
            for entry in entries {
                let entry = entry.map_err(io_error(format!("listing {}", path.display())))?;
                if let Some(base) = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| segment::parse_file_name(n, LOG_EXT))
                {
                    bases.push(base);
                }
            }
            if bases.is_empty() {
                return Err(not_a_segment(
                    "it holds no segment files (<20-digit base offset>.log)",
                ));
            }
            bases.sort_unstable();
            let segments = bases
                .iter()
                .map(|b| path.join(segment::file_name(*b, LOG_EXT)))
                .collect();
            (path.to_path_buf(), segments, true)
        } else {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if segment::parse_file_name(name, LOG_EXT).is_none() {
                return Err(not_a_segment(
                    "segment files are named <20-digit base offset>.log",
                ));
            }
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            (dir, vec![path.to_path_buf()], false)
        };
        let dir = std::fs::canonicalize(&dir).unwrap_or(dir);
        let partition = dir
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.parse::<u32>().ok());
        let topic = partition.and(
            dir.parent()
                .and_then(|p| p.file_name())
                .and_then(|n| n.to_str())
                .map(str::to_string),
        );
        Ok(Target {
            path: path.to_path_buf(),
            segments,
            is_dir,
            topic,
            partition,
        })
    }
}

/// A problem found in a file, with the byte where it was found.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub position: u64,
    pub message: String,
}

/// What one segment holds.
#[derive(Debug, Clone, Serialize, Default)]
pub struct SegmentReport {
    pub file: String,
    pub base_offset: u64,
    pub size_bytes: u64,
    pub batches: u64,
    pub records: u64,
    pub first_offset: Option<u64>,
    pub last_offset: Option<u64>,
    pub min_timestamp_ms: Option<i64>,
    pub max_timestamp_ms: Option<i64>,
    /// Bytes that could not be read as batches.
    pub unreadable_bytes: u64,
}

/// The whole inspection: per segment, totals, and every problem found.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Report {
    pub path: String,
    pub topic: Option<String>,
    pub partition: Option<u32>,
    pub segments: Vec<SegmentReport>,
    pub batches: u64,
    pub records: u64,
    pub size_bytes: u64,
    pub first_offset: Option<u64>,
    pub last_offset: Option<u64>,
    pub min_timestamp_ms: Option<i64>,
    pub max_timestamp_ms: Option<i64>,
    /// Whether index files were checked (`--verify`).
    pub indexes_checked: bool,
    pub problems: Vec<Problem>,
}

/// Inspects `target`, calling `on_batch` for every good batch in offset order. Problems in the
/// data go in the report; `Err` only when files cannot be read at all or `on_batch` fails.
pub fn inspect(
    target: &Target,
    check_indexes: bool,
    on_batch: &mut dyn FnMut(&Path, &RecordBatch) -> std::io::Result<()>,
) -> Result<Report, InspectError> {
    let mut report = Report {
        path: target.path.display().to_string(),
        topic: target.topic.clone(),
        partition: target.partition,
        indexes_checked: check_indexes,
        ..Report::default()
    };
    let mut previous_end: Option<u64> = None;
    for (i, path) in target.segments.iter().enumerate() {
        let is_last = i + 1 == target.segments.len();
        let (segment, end) = inspect_segment(
            path,
            check_indexes,
            target.is_dir && !is_last,
            &mut report.problems,
            on_batch,
        )?;
        if target.is_dir
            && let Some(prev) = previous_end
            && segment.base_offset != prev
        {
            report.problems.push(Problem {
                file: segment.file.clone(),
                position: 0,
                message: format!(
                    "segment starts at offset {} but the previous one ends at {prev}",
                    segment.base_offset
                ),
            });
        }
        previous_end = Some(end);
        report.batches += segment.batches;
        report.records += segment.records;
        report.size_bytes += segment.size_bytes;
        report.first_offset = report.first_offset.or(segment.first_offset);
        report.last_offset = segment.last_offset.or(report.last_offset);
        report.min_timestamp_ms = min_opt(report.min_timestamp_ms, segment.min_timestamp_ms);
        report.max_timestamp_ms = max_opt(report.max_timestamp_ms, segment.max_timestamp_ms);
        report.segments.push(segment);
    }
    Ok(report)
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

/// A batch boundary seen by the scan, for checking index entries against.
struct Boundary {
    position: u64,
    base_offset: u64,
    /// The largest timestamp up to and including this batch.
    running_max_ms: i64,
}

/// Scans one segment; returns its report and the offset after its last good batch.
fn inspect_segment(
    path: &Path,
    check_indexes: bool,
    indexes_required: bool,
    problems: &mut Vec<Problem>,
    on_batch: &mut dyn FnMut(&Path, &RecordBatch) -> std::io::Result<()>,
) -> Result<(SegmentReport, u64), InspectError> {
    let file_name = path.display().to_string();
    let problem = |position: u64, message: String| Problem {
        file: file_name.clone(),
        position,
        message,
    };
    let base_offset = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| segment::parse_file_name(n, LOG_EXT))
        .unwrap_or(0);
    let file = File::open(path).map_err(io_error(format!("opening {}", path.display())))?;
    let size_bytes = file
        .metadata()
        .map_err(io_error(format!("reading {}", path.display())))?
        .len();
    let mut report = SegmentReport {
        file: file_name.clone(),
        base_offset,
        size_bytes,
        ..SegmentReport::default()
    };
    let mut reader = FrameReader::new(&file, 0, size_bytes, SCAN_CHUNK_BYTES);
    let mut expected = base_offset;
    let mut running_max_ms = i64::MIN;
    // Only kept when indexes are checked: one small entry per batch.
    let mut boundaries: Vec<Boundary> = Vec::new();
    loop {
        let header = match reader.peek_header() {
            Ok(Some(header)) => header,
            Ok(None) => break,
            Err(FrameError::Io(e)) => {
                return Err(io_error(format!("reading {}", path.display()))(e));
            }
            Err(FrameError::Invalid { position, error }) => {
                report.unreadable_bytes = size_bytes - position;
                problems.push(problem(
                    position + error.position() as u64,
                    format!(
                        "{error}; the last {} bytes of the file cannot be read as batches",
                        report.unreadable_bytes
                    ),
                ));
                break;
            }
        };
        let frame = reader.take(header).map_err(|e| match e {
            FrameError::Io(e) => io_error(format!("reading {}", path.display()))(e),
            FrameError::Invalid { position, error } => InspectError::Io {
                context: format!("reading {} at byte {position}", path.display()),
                source: std::io::Error::other(error.to_string()),
            },
        })?;
        let position = frame.position;
        let decoded = match batch::decode(frame.bytes) {
            Ok(decoded) => decoded,
            Err(error) => {
                // The length still frames the next batch, so the scan goes on after it.
                problems.push(problem(
                    position + error.position() as u64,
                    error.to_string(),
                ));
                report.unreadable_bytes += header.total_bytes() as u64;
                expected = header.next_offset();
                continue;
            }
        };
        if header.base_offset != expected {
            // The base offset is outside the CRC: only its place in the chain vouches for it.
            // Showing the records at offsets nobody can trust would be showing wrong records,
            // so the batch is reported and skipped; its record count (CRC-checked) still moves
            // the chain on, so the batches after it are read at their right offsets.
            problems.push(problem(
                position,
                format!(
                    "offsets out of order: batch starts at offset {} where {expected} was expected; its {} records are not shown",
                    header.base_offset, header.record_count
                ),
            ));
            report.unreadable_bytes += header.total_bytes() as u64;
            expected = expected.saturating_add(header.record_count as u64);
            continue;
        }
        expected = header.next_offset();
        running_max_ms = running_max_ms.max(header.max_timestamp_ms);
        if check_indexes {
            boundaries.push(Boundary {
                position,
                base_offset: header.base_offset,
                running_max_ms,
            });
        }
        report.batches += 1;
        report.records += header.record_count as u64;
        report.first_offset = report.first_offset.or(Some(header.base_offset));
        report.last_offset = Some(header.last_offset());
        let min_ts = decoded.records.iter().map(|r| r.record.timestamp_ms).min();
        report.min_timestamp_ms = min_opt(report.min_timestamp_ms, min_ts);
        report.max_timestamp_ms = max_opt(report.max_timestamp_ms, Some(header.max_timestamp_ms));
        on_batch(path, &decoded).map_err(io_error("writing output"))?;
    }
    if check_indexes {
        let log = IndexedLog {
            path,
            base_offset,
            size_bytes,
            indexes_required,
            boundaries: &boundaries,
        };
        check_index(&log, INDEX_EXT, problems, |i, e| {
            offset_entry_mismatch(&log, i, e)
        })?;
        check_index(&log, TIME_INDEX_EXT, problems, |i, e| {
            time_entry_mismatch(&log, i, e)
        })?;
    }
    Ok((report, expected))
}

/// Loads an index file for checking; `None` (with a problem if required) when it is missing.
fn load_index<E: IndexEntry>(
    path: &Path,
    log_bytes: u64,
    required: bool,
    problems: &mut Vec<Problem>,
) -> Result<Option<Vec<E>>, InspectError> {
    let problem = |position: u64, message: String| Problem {
        file: path.display().to_string(),
        position,
        message,
    };
    let size = match std::fs::metadata(path) {
        Ok(meta) => meta.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if required {
                problems.push(problem(0, "index file is missing".to_string()));
            }
            return Ok(None);
        }
        Err(e) => return Err(io_error(format!("reading {}", path.display()))(e)),
    };
    // Every entry stands for a distinct batch of at least BATCH_HEADER_BYTES, so an index larger
    // than its log is wrong; this also bounds what is read into memory.
    if size > log_bytes.max(E::BYTES as u64) {
        problems.push(problem(
            0,
            format!("index is {size} bytes, larger than its {log_bytes}-byte log"),
        ));
        return Ok(None);
    }
    let bytes = std::fs::read(path).map_err(io_error(format!("reading {}", path.display())))?;
    let whole = bytes.len() - bytes.len() % E::BYTES;
    if whole != bytes.len() {
        problems.push(problem(
            whole as u64,
            format!(
                "torn entry: {} trailing bytes are not a whole {}-byte entry",
                bytes.len() - whole,
                E::BYTES
            ),
        ));
    }
    // Order is checked entry by entry by the caller, so every bad entry gets its own problem.
    let entries = bytes[..whole]
        .chunks_exact(E::BYTES)
        .map(E::decode)
        .collect();
    Ok(Some(entries))
}

/// The log file whose index is checked, and where its readable batches start.
struct IndexedLog<'a> {
    path: &'a Path,
    base_offset: u64,
    size_bytes: u64,
    /// A missing index is a problem (it is optional only for the active segment).
    indexes_required: bool,
    boundaries: &'a [Boundary],
}

/// Checks the index next to `log` with extension `ext`: every entry must follow the one before
/// it, and `mismatch` says what is wrong with an entry against the log's batches, if anything.
fn check_index<E: IndexEntry>(
    log: &IndexedLog<'_>,
    ext: &str,
    problems: &mut Vec<Problem>,
    mismatch: impl Fn(usize, &E) -> Option<String>,
) -> Result<(), InspectError> {
    let path = log.path.with_extension(ext);
    let Some(entries) = load_index::<E>(&path, log.size_bytes, log.indexes_required, problems)?
    else {
        return Ok(());
    };
    let mut previous: Option<E> = None;
    for (i, entry) in entries.iter().enumerate() {
        let out_of_order = previous
            .is_some_and(|p| !entry.follows(&p))
            .then(|| format!("entry {i} is out of order"));
        previous = Some(*entry);
        for message in out_of_order.into_iter().chain(mismatch(i, entry)) {
            problems.push(Problem {
                file: path.display().to_string(),
                position: (i * E::BYTES) as u64,
                message,
            });
        }
    }
    Ok(())
}

/// An offset index entry must point at the start of the batch holding its offset.
fn offset_entry_mismatch(log: &IndexedLog<'_>, i: usize, entry: &OffsetEntry) -> Option<String> {
    let offset = log.base_offset + entry.relative_offset as u64;
    match log
        .boundaries
        .binary_search_by_key(&(entry.position as u64), |b| b.position)
    {
        Ok(b) if log.boundaries[b].base_offset == offset => None,
        Ok(b) => Some(format!(
            "entry {i} maps offset {offset} to byte {}, where the batch of offset {} starts",
            entry.position, log.boundaries[b].base_offset
        )),
        Err(_) => Some(format!(
            "entry {i} maps offset {offset} to byte {}, which is not the start of a readable batch in {}",
            entry.position,
            log.path.display()
        )),
    }
}

/// A time index entry must name a batch start and the largest timestamp up to that batch.
fn time_entry_mismatch(log: &IndexedLog<'_>, i: usize, entry: &TimeEntry) -> Option<String> {
    let offset = log.base_offset + entry.relative_offset as u64;
    match log
        .boundaries
        .binary_search_by_key(&offset, |b| b.base_offset)
    {
        Ok(b) if log.boundaries[b].running_max_ms == entry.timestamp_ms => None,
        Ok(b) => Some(format!(
            "entry {i} says timestamp {} at offset {offset}, but the largest timestamp up to that batch is {}",
            entry.timestamp_ms, log.boundaries[b].running_max_ms
        )),
        Err(_) => Some(format!(
            "entry {i} points at offset {offset}, which starts no readable batch in {}",
            log.path.display()
        )),
    }
}
