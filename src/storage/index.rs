//! A segment's sparse indexes: offset -> byte position (`.index`) and timestamp -> offset
//! (`.timeindex`).
//!
//! Both are sorted arrays of fixed-size big-endian entries, kept whole in memory and written to
//! disk in one piece (temp file, fsync, rename, fsync dir) when a segment is closed, flushed at
//! shutdown or rebuilt by recovery. They are hints, never the truth: every lookup lands on a batch
//! boundary that is checked against the log, and an index that disagrees with the log is rebuilt.

use std::path::Path;

use super::durable::write_atomically;
use super::{Result, StorageError};

/// One offset index entry is added at most every this many bytes of log.
pub const INDEX_INTERVAL_BYTES: u64 = 4096;

/// Bytes of one `.index` entry: relative offset u32, position u32.
pub const OFFSET_ENTRY_BYTES: usize = 8;
/// Bytes of one `.timeindex` entry: timestamp i64, relative offset u32.
pub const TIME_ENTRY_BYTES: usize = 12;

/// An entry of a sparse index file.
pub trait IndexEntry: Copy + std::fmt::Debug {
    /// Bytes of the entry on disk.
    const BYTES: usize;
    /// Big-endian encoding.
    fn encode(&self, out: &mut Vec<u8>);
    /// Decodes exactly `Self::BYTES` bytes.
    fn decode(bytes: &[u8]) -> Self;
    /// True when `self` may follow `prev` in the index (both keys strictly increase).
    fn follows(&self, prev: &Self) -> bool;
}

/// `.index`: the batch starting at `position` in the log has base offset `base + relative_offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetEntry {
    pub relative_offset: u32,
    pub position: u32,
}

impl IndexEntry for OffsetEntry {
    const BYTES: usize = OFFSET_ENTRY_BYTES;
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.relative_offset.to_be_bytes());
        out.extend_from_slice(&self.position.to_be_bytes());
    }
    fn decode(bytes: &[u8]) -> Self {
        OffsetEntry {
            relative_offset: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
            position: u32::from_be_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
        }
    }
    fn follows(&self, prev: &Self) -> bool {
        self.relative_offset > prev.relative_offset && self.position > prev.position
    }
}

/// `.timeindex`: `timestamp_ms` is the largest record timestamp in the segment up to and including
/// the batch whose base offset is `base + relative_offset` (that batch holds it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeEntry {
    pub timestamp_ms: i64,
    pub relative_offset: u32,
}

impl IndexEntry for TimeEntry {
    const BYTES: usize = TIME_ENTRY_BYTES;
    fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.timestamp_ms.to_be_bytes());
        out.extend_from_slice(&self.relative_offset.to_be_bytes());
    }
    fn decode(bytes: &[u8]) -> Self {
        let mut ts = [0u8; 8];
        ts.copy_from_slice(&bytes[..8]);
        TimeEntry {
            timestamp_ms: i64::from_be_bytes(ts),
            relative_offset: u32::from_be_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]),
        }
    }
    fn follows(&self, prev: &Self) -> bool {
        self.timestamp_ms > prev.timestamp_ms && self.relative_offset > prev.relative_offset
    }
}

/// A sorted in-memory index with its on-disk form.
#[derive(Debug, Clone)]
pub struct SparseIndex<E: IndexEntry> {
    entries: Vec<E>,
}

impl<E: IndexEntry> Default for SparseIndex<E> {
    fn default() -> Self {
        SparseIndex {
            entries: Vec::new(),
        }
    }
}

impl<E: IndexEntry> SparseIndex<E> {
    /// Parses an index file's bytes, rejecting a torn tail or entries out of order.
    pub fn parse(bytes: &[u8]) -> std::result::Result<Self, String> {
        if !bytes.len().is_multiple_of(E::BYTES) {
            return Err(format!(
                "{} bytes is not a whole number of {}-byte entries",
                bytes.len(),
                E::BYTES
            ));
        }
        let mut index = SparseIndex::default();
        for (i, chunk) in bytes.chunks_exact(E::BYTES).enumerate() {
            let entry = E::decode(chunk);
            if let Some(prev) = index.entries.last()
                && !entry.follows(prev)
            {
                return Err(format!(
                    "entry {i} at byte {} is out of order",
                    i * E::BYTES
                ));
            }
            index.entries.push(entry);
        }
        Ok(index)
    }

    /// Loads an index file; `Ok(None)` when it is missing.
    pub fn load(path: &Path) -> Result<Option<std::result::Result<Self, String>>> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Some(Self::parse(&bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StorageError::io(format!("reading {}", path.display()), e)),
        }
    }

    /// Writes the index crash-safely (temp file, fsync, rename, fsync dir).
    pub fn store(&self, path: &Path) -> Result<()> {
        let mut bytes = Vec::with_capacity(self.entries.len() * E::BYTES);
        for entry in &self.entries {
            entry.encode(&mut bytes);
        }
        write_atomically(path, &bytes)
    }

    /// Appends an entry; the caller keeps both keys increasing.
    pub fn push(&mut self, entry: E) {
        debug_assert!(
            self.entries.last().is_none_or(|prev| entry.follows(prev)),
            "index entries must increase: {entry:?} after {:?}",
            self.entries.last()
        );
        self.entries.push(entry);
    }

    /// All entries, sorted.
    pub fn entries(&self) -> &[E] {
        &self.entries
    }

    /// The last entry, if any.
    pub fn last(&self) -> Option<&E> {
        self.entries.last()
    }

    /// The last entry for which `is_before` holds (entries are partitioned by it), if any.
    pub fn last_where(&self, is_before: impl Fn(&E) -> bool) -> Option<E> {
        let n = self.entries.partition_point(is_before);
        n.checked_sub(1).map(|i| self.entries[i])
    }
}

/// The two indexes of a segment and the bookkeeping that decides when to add entries.
#[derive(Debug, Clone, Default)]
pub struct SegmentIndexes {
    pub offsets: SparseIndex<OffsetEntry>,
    pub times: SparseIndex<TimeEntry>,
    /// Log bytes appended since the last offset entry (or the segment start).
    bytes_since_entry: u64,
    /// The largest timestamp so far and the relative offset of the batch holding it.
    max_timestamp: Option<TimeEntry>,
}

impl SegmentIndexes {
    /// Accounts for a batch appended at `position`; adds entries every [`INDEX_INTERVAL_BYTES`].
    pub fn on_batch(
        &mut self,
        relative_offset: u32,
        position: u32,
        batch_bytes: u64,
        max_timestamp_ms: i64,
    ) {
        if self
            .max_timestamp
            .is_none_or(|max| max_timestamp_ms > max.timestamp_ms)
        {
            self.max_timestamp = Some(TimeEntry {
                timestamp_ms: max_timestamp_ms,
                relative_offset,
            });
        }
        // The first batch of a segment sits at position 0 and needs no entry.
        if position > 0 && self.bytes_since_entry >= INDEX_INTERVAL_BYTES {
            self.offsets.push(OffsetEntry {
                relative_offset,
                position,
            });
            self.bytes_since_entry = 0;
            self.add_time_entry();
        }
        self.bytes_since_entry += batch_bytes;
    }

    /// Adds the current max timestamp to the time index if it grew; done with every offset
    /// entry and when a segment is closed, so the last time entry is the segment's maximum.
    ///
    /// An entry that would not follow the last one in both keys is not added: that only happens
    /// when a time index loaded from disk disagrees with the log (damage), and an index is a
    /// hint, so a missing entry costs a longer scan while an unsorted one would mislead every
    /// lookup.
    pub fn add_time_entry(&mut self) {
        if let Some(max) = self.max_timestamp
            && self.times.last().is_none_or(|last| max.follows(last))
        {
            self.times.push(max);
        }
    }

    /// The largest timestamp in the segment and the relative offset of its batch.
    pub fn max_timestamp(&self) -> Option<TimeEntry> {
        self.max_timestamp
    }

    /// The indexes of the segment's first `len` bytes (a batch boundary): the entries of batches
    /// that start before it, with the bookkeeping restarted at the last offset entry kept, so a
    /// scan from that entry's batch rebuilds the rest exactly as recovery does.
    pub fn cut_back(&self, len: u64) -> SegmentIndexes {
        let offsets: Vec<OffsetEntry> = self
            .offsets
            .entries()
            .iter()
            .take_while(|e| (e.position as u64) < len)
            .copied()
            .collect();
        // Time entries are added with offset entries and hold batches up to theirs; one added
        // later (at a close) is re-added by the scan if it still holds.
        let last_kept = offsets.last().map(|e| e.relative_offset);
        let times: Vec<TimeEntry> = self
            .times
            .entries()
            .iter()
            .take_while(|t| last_kept.is_some_and(|r| t.relative_offset <= r))
            .copied()
            .collect();
        SegmentIndexes::from_loaded(
            SparseIndex { entries: offsets },
            SparseIndex { entries: times },
        )
    }

    /// Restores the bookkeeping from loaded index files. The last time entry is the segment's
    /// maximum (one is added on close); a tail scan resumes at the last offset entry's batch, so
    /// the byte count restarts there.
    pub fn from_loaded(offsets: SparseIndex<OffsetEntry>, times: SparseIndex<TimeEntry>) -> Self {
        SegmentIndexes {
            max_timestamp: times.last().copied(),
            offsets,
            times,
            bytes_since_entry: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_order_is_checked() {
        let mut index = SparseIndex::<OffsetEntry>::default();
        index.push(OffsetEntry {
            relative_offset: 3,
            position: 4100,
        });
        index.push(OffsetEntry {
            relative_offset: 9,
            position: 8300,
        });
        let mut bytes = Vec::new();
        for e in index.entries() {
            e.encode(&mut bytes);
        }
        let parsed = SparseIndex::<OffsetEntry>::parse(&bytes).unwrap();
        assert_eq!(parsed.entries(), index.entries());
        assert!(SparseIndex::<OffsetEntry>::parse(&bytes[..7]).is_err());
        let mut swapped = bytes[8..].to_vec();
        swapped.extend_from_slice(&bytes[..8]);
        assert!(SparseIndex::<OffsetEntry>::parse(&swapped).is_err());
    }

    #[test]
    fn floor_lookup() {
        let mut index = SparseIndex::<OffsetEntry>::default();
        for i in 1..10u32 {
            index.push(OffsetEntry {
                relative_offset: i * 10,
                position: i * 5000,
            });
        }
        assert_eq!(index.last_where(|e| e.relative_offset <= 5), None);
        assert_eq!(
            index
                .last_where(|e| e.relative_offset <= 25)
                .unwrap()
                .position,
            10000
        );
        assert_eq!(
            index
                .last_where(|e| e.relative_offset <= 90)
                .unwrap()
                .position,
            45000
        );
    }

    #[test]
    fn time_entries_follow_the_running_max() {
        let mut indexes = SegmentIndexes::default();
        let mut position = 0u32;
        for (i, ts) in [5i64, 3, 9, 9, 4, 12].iter().enumerate() {
            indexes.on_batch(i as u32, position, 5000, *ts);
            position += 5000;
        }
        indexes.add_time_entry();
        let times: Vec<_> = indexes
            .times
            .entries()
            .iter()
            .map(|e| e.timestamp_ms)
            .collect();
        assert_eq!(times, vec![5, 9, 12]);
        assert_eq!(indexes.max_timestamp().unwrap().relative_offset, 5);
    }
}
