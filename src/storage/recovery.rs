//! Opening a partition dir: the procedure that turns whatever the last stop left into a
//! consistent log, and the two small files it relies on.
//!
//! The procedure (Kafka's `LogLoader`, simplified):
//! 1. Remove leftovers of interrupted writes: temp files, indexes without a `.log`.
//! 2. Read the clean-shutdown marker (written last by `close()`) and remove it at once, so a
//!    crash from here on is seen as unclean. Read the recovery point: every offset below it was
//!    fsynced and validated when its segment was closed.
//! 3. For each segment, oldest first:
//!    - after an unclean stop, a segment holding offsets at or past the recovery point (always the
//!      active one) is scanned whole: length, CRC, full decode and offset order of every batch.
//!      At the first bad batch the file is truncated, later segments are deleted, and what was
//!      cut is logged. Its indexes are rebuilt from the scan.
//!    - any other segment keeps its indexes if they agree with the log; a missing or stale index
//!      is rebuilt from the log. The newest segment is then scanned from its last index entry to
//!      find its end (and truncated there if that tail is torn).
//!
//! The log is the truth; an index never is.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::durable::{TEMP_SUFFIX, sync_dir, write_atomically};
use super::segment::{self, Damage, INDEX_EXT, LOG_EXT, ScanOutcome, Segment, TIME_INDEX_EXT};
use super::{Result, StorageError};

/// Written by `close()` after everything is flushed; its presence means the last stop was clean.
pub const CLEAN_SHUTDOWN_FILE: &str = "clean-shutdown";
/// Holds the recovery point: the offset below which every segment is durable and validated.
pub const RECOVERY_POINT_FILE: &str = "recovery-point";

/// A partition's segments after recovery, oldest first, and the offset the next record gets.
pub struct RecoveredLog {
    pub segments: Vec<Arc<Segment>>,
    pub next_offset: u64,
    /// The first damaged batch kept in a closed segment (reads reaching it fail), if any.
    pub damage: Option<Damage>,
}

/// How much of a log recovery checks when it opens it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verify {
    /// What the last stop may have left unfinished: after an unclean stop, the segments at or
    /// past the recovery point; otherwise the newest segment's tail. Closed segments are
    /// trusted, as Kafka trusts them, so opening costs little however long the log is.
    #[default]
    Unflushed,
    /// Every batch of every segment and every index entry, read once at open: a replica in a
    /// cluster, which can copy damaged records back from its leader, finds damage before it
    /// serves or replicates anything (see docs/storage.md, "Opening a partition").
    Everything,
}

/// Records the recovery point crash-safely.
pub fn write_recovery_point(dir: &Path, offset: u64) -> Result<()> {
    write_atomically(
        &dir.join(RECOVERY_POINT_FILE),
        format!("{offset}\n").as_bytes(),
    )
}

/// Marks a clean shutdown (the last step of `close()`).
pub fn write_clean_shutdown(dir: &Path) -> Result<()> {
    write_atomically(&dir.join(CLEAN_SHUTDOWN_FILE), b"")
}

/// Opens (recovering if needed) the log in `dir`, creating its first segment if it has none.
pub fn recover(dir: &Path, now_ms: i64, verify: Verify) -> Result<RecoveredLog> {
    let bases = list_segments(dir)?;
    let marker = dir.join(CLEAN_SHUTDOWN_FILE);
    let clean = marker.exists();
    if clean {
        std::fs::remove_file(&marker)
            .map_err(|e| StorageError::io(format!("removing {}", marker.display()), e))?;
        sync_dir(dir)?;
    }
    let recovery_point = if clean { 0 } else { read_recovery_point(dir) };

    if bases.is_empty() {
        let segment = Segment::create(dir, 0, now_ms)?;
        return Ok(RecoveredLog {
            segments: vec![Arc::new(segment)],
            next_offset: 0,
            damage: None,
        });
    }

    let mut segments: Vec<Arc<Segment>> = Vec::with_capacity(bases.len());
    let mut damage: Option<Damage> = None;
    for (i, &base) in bases.iter().enumerate() {
        if let Some(prev) = segments.last()
            && prev.next_offset() != base
        {
            return Err(StorageError::Corrupt {
                path: dir
                    .join(segment::file_name(base, LOG_EXT))
                    .display()
                    .to_string(),
                position: 0,
                reason: format!(
                    "segment starts at offset {base} but the previous one ends at {}",
                    prev.next_offset()
                ),
            });
        }
        let segment = Segment::open(dir, base)?;
        let next_base = bases.get(i + 1).copied();
        let is_last = next_base.is_none();
        let must_scan = !clean && next_base.is_none_or(|next| next > recovery_point);

        let cut = if must_scan {
            let outcome = segment.scan_from(0, base)?;
            let cut = outcome.problem.is_some();
            if cut {
                cut_tail(&segment, &outcome)?;
            }
            segment.store_indexes()?;
            cut
        } else {
            let loaded = match segment.load_indexes(next_base)? {
                Ok(tail) if verify == Verify::Everything => {
                    // The newest segment's end is found by its tail scan below: check the
                    // batches before its last index entry here, the tail there.
                    let (end_position, end_offset) = match next_base {
                        Some(next) => (segment.size_bytes(), next),
                        None => tail,
                    };
                    let checked = segment.verify(end_position, end_offset)?;
                    match (checked.damage, checked.bad_index) {
                        (Some(found), _) => Err(format!(
                            "damaged batch at byte {} (offset {}): {}",
                            found.position, found.offset, found.reason
                        )),
                        (None, Some((file, position, reason))) => {
                            Err(format!("{} at byte {position}: {reason}", file.display()))
                        }
                        (None, None) => Ok(tail),
                    }
                }
                other => other,
            };
            match loaded {
                Ok((position, offset)) if is_last => {
                    let outcome = segment.scan_from(position, offset)?;
                    let cut = outcome.problem.is_some();
                    if cut {
                        cut_tail(&segment, &outcome)?;
                    }
                    let stale = !segment.indexes_within_end();
                    if stale {
                        // The log is shorter than its indexes say (it lost its tail since they
                        // were written): rebuild them from what is there.
                        tracing::warn!(
                            file = %segment.log_path().display(),
                            "index entries point past the end of the log; rebuilding them"
                        );
                        segment.reset_indexes();
                        let outcome = segment.scan_from(0, base)?;
                        if outcome.problem.is_some() {
                            cut_tail(&segment, &outcome)?;
                        }
                    }
                    if cut || stale {
                        segment.store_indexes()?;
                    }
                    cut
                }
                Ok(_) => {
                    segment.set_next_offset(next_base.unwrap_or(base));
                    false
                }
                Err(reason) => {
                    tracing::warn!(
                        file = %segment.log_path().display(),
                        %reason,
                        "rebuilding the segment's indexes from its log"
                    );
                    segment.reset_indexes();
                    let outcome = segment.scan_from(0, base)?;
                    let cut = if is_last && outcome.problem.is_some() {
                        cut_tail(&segment, &outcome)?;
                        true
                    } else {
                        let gap = next_base.filter(|next| outcome.next_offset < *next).map(|next| {
                            (
                                outcome.valid_bytes,
                                format!("the segment's batches end at offset {}, but the next segment starts at {next}", outcome.next_offset),
                            )
                        });
                        if let Some((position, reason)) = outcome.problem.clone().or(gap) {
                            // Below the recovery point this data was acknowledged as durable:
                            // keep it and report; reads that reach it fail with Corrupt.
                            tracing::error!(
                                file = %segment.log_path().display(),
                                position,
                                offset = outcome.next_offset,
                                %reason,
                                "corrupt batch in a closed segment: kept, and reads from this offset fail"
                            );
                            damage.get_or_insert(Damage {
                                path: segment.log_path().to_path_buf(),
                                position,
                                offset: outcome.next_offset,
                                reason,
                            });
                        }
                        false
                    };
                    if let Some(next) = next_base {
                        segment.set_next_offset(next);
                        segment.restore_size()?;
                    }
                    segment.store_indexes()?;
                    cut
                }
            }
        };
        segments.push(Arc::new(segment));
        if cut {
            for &later in &bases[i + 1..] {
                delete_segment_files(dir, later)?;
            }
            break;
        }
    }
    sync_dir(dir)?;
    let next_offset = segments.last().map_or(0, |s| s.next_offset());
    Ok(RecoveredLog {
        segments,
        next_offset,
        damage,
    })
}

/// Truncates a segment at its first bad batch, drops index entries past it, and logs what was
/// cut.
fn cut_tail(segment: &Segment, outcome: &ScanOutcome) -> Result<()> {
    let file_len = segment
        .file()
        .metadata()
        .map_err(|e| StorageError::io(format!("reading {}", segment.log_path().display()), e))?
        .len();
    let (position, reason) = outcome
        .problem
        .clone()
        .unwrap_or((outcome.valid_bytes, String::new()));
    tracing::warn!(
        file = %segment.log_path().display(),
        position,
        bytes_cut = file_len - outcome.valid_bytes,
        batches_kept = outcome.batches,
        next_offset = outcome.next_offset,
        %reason,
        "truncating a torn or corrupt tail"
    );
    // Not just a truncate: indexes loaded from disk (a clean stop) may hold entries, and a max
    // timestamp, of batches past the cut, which later appends would contradict.
    segment.cut_back(outcome.valid_bytes)
}

/// Deletes a segment that follows a truncated one; its offsets can no longer be reached.
fn delete_segment_files(dir: &Path, base: u64) -> Result<()> {
    let log = dir.join(segment::file_name(base, LOG_EXT));
    let bytes = std::fs::metadata(&log).map_or(0, |m| m.len());
    tracing::warn!(file = %log.display(), bytes, "deleting a segment after a truncated one");
    for ext in [LOG_EXT, INDEX_EXT, TIME_INDEX_EXT] {
        let path = dir.join(segment::file_name(base, ext));
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StorageError::io(format!("deleting {}", path.display()), e)),
        }
    }
    Ok(())
}

/// The recovery point, or 0 (scan everything) when it is missing or unreadable.
fn read_recovery_point(dir: &Path) -> u64 {
    let path = dir.join(RECOVERY_POINT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => text.trim().parse().unwrap_or_else(|_| {
            tracing::warn!(file = %path.display(), "unreadable recovery point; scanning every segment");
            0
        }),
        Err(_) => 0,
    }
}

/// Base offsets of the dir's segments, sorted; removes temp files and orphan indexes.
fn list_segments(dir: &Path) -> Result<Vec<u64>> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| StorageError::io(format!("listing {}", dir.display()), e))?;
    let mut bases = Vec::new();
    let mut index_files: Vec<(u64, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StorageError::io(format!("listing {}", dir.display()), e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = entry.path();
        if name.ends_with(TEMP_SUFFIX) {
            tracing::info!(file = %path.display(), "removing a temp file left by an interrupted write");
            std::fs::remove_file(&path)
                .map_err(|e| StorageError::io(format!("removing {}", path.display()), e))?;
        } else if let Some(base) = segment::parse_file_name(name, LOG_EXT) {
            bases.push(base);
        } else if let Some(base) = segment::parse_file_name(name, INDEX_EXT)
            .or_else(|| segment::parse_file_name(name, TIME_INDEX_EXT))
        {
            index_files.push((base, path));
        }
    }
    bases.sort_unstable();
    for (base, path) in index_files {
        if bases.binary_search(&base).is_err() {
            tracing::info!(file = %path.display(), "removing an index without its segment");
            std::fs::remove_file(&path)
                .map_err(|e| StorageError::io(format!("removing {}", path.display()), e))?;
        }
    }
    Ok(bases)
}
