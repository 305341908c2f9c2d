//! One segment of a partition log: a `.log` file of batches and its two sparse indexes.
//!
//! A segment is named by the offset of its first batch (`<20 digits>.log`). Its file stays open
//! for its whole life; readers use positional reads on the shared handle and never block the
//! single appender, which writes past the published size and then publishes the new size.
//! Every batch served is CRC-checked and offset-chained; a batch that fails is an error, never
//! a record.

use std::fs::{File, OpenOptions};
use std::io::{IoSlice, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;

use super::batch::{self, BATCH_HEADER_BYTES, BatchError, BatchHeader, StoredBatch};
use super::durable::sync_parent_dir;
use super::faults::{self, DiskOp};
use super::index::{OffsetEntry, SegmentIndexes, SparseIndex, TimeEntry};
use super::read_buffers;
use super::{Result, StorageError, StoredRecord};

/// Extension of segment data files.
pub const LOG_EXT: &str = "log";
/// Extension of offset index files.
pub const INDEX_EXT: &str = "index";
/// Extension of time index files.
pub const TIME_INDEX_EXT: &str = "timeindex";
/// Index positions are u32, so no segment may grow beyond this.
pub const MAX_SEGMENT_BYTES: u64 = u32::MAX as u64;
/// Relative offsets are u32, so no segment may hold more offsets than this.
pub const MAX_SEGMENT_OFFSETS: u64 = u32::MAX as u64;
/// How much a scan reads at once when it has no better size to go by.
pub const SCAN_CHUNK_BYTES: usize = 1024 * 1024;
/// The most a read takes from the file at once: reads fetch their whole byte budget in one
/// positional read (smaller chunks measured slower: more syscalls and re-reads at chunk edges).
const READ_CHUNK_BYTES: usize = batch::MAX_BATCH_LENGTH_BYTES;
/// How much a timestamp lookup reads at once: it usually ends within a few batches.
const LOOKUP_CHUNK_BYTES: usize = 64 * 1024;

/// `<20-digit base offset>.<ext>`.
pub fn file_name(base_offset: u64, ext: &str) -> String {
    format!("{base_offset:020}.{ext}")
}

/// The base offset of a file named `<20 digits>.<ext>`.
pub fn parse_file_name(name: &str, ext: &str) -> Option<u64> {
    let stem = name.strip_suffix(ext)?.strip_suffix('.')?;
    if stem.len() != 20 || !stem.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    stem.parse().ok()
}

/// A batch found in a file: where it starts, its parsed header and its bytes.
pub struct Frame {
    pub position: u64,
    pub header: BatchHeader,
    pub bytes: Bytes,
}

/// Why a file could not be read as batches from some position on.
#[derive(Debug)]
pub enum FrameError {
    Io(std::io::Error),
    /// The bytes at `position` do not frame a batch.
    Invalid {
        position: u64,
        error: BatchError,
    },
}

/// Reads batches one after another from `[position, end)` of a file, in chunks, checking framing
/// (length and header) but not CRCs. Batch bytes are slices of the chunk, never copies.
pub struct FrameReader<'a> {
    file: &'a File,
    position: u64,
    end: u64,
    chunk_bytes: usize,
    buf: Bytes,
    buf_start: u64,
}

impl<'a> FrameReader<'a> {
    /// A reader over `[position, end)` reading about `chunk_bytes` at a time.
    pub fn new(file: &'a File, position: u64, end: u64, chunk_bytes: usize) -> Self {
        FrameReader {
            file,
            position,
            end,
            chunk_bytes: chunk_bytes.max(BATCH_HEADER_BYTES),
            buf: Bytes::new(),
            buf_start: 0,
        }
    }

    /// The position of the next batch.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// The next batch's header, without reading its body; `Ok(None)` at the end.
    pub fn peek_header(&mut self) -> std::result::Result<Option<BatchHeader>, FrameError> {
        if self.position >= self.end {
            return Ok(None);
        }
        let remaining = self.end - self.position;
        let header_bytes = self.buffered(BATCH_HEADER_BYTES.min(remaining as usize))?;
        let header = BatchHeader::parse(&header_bytes).map_err(|error| FrameError::Invalid {
            position: self.position,
            error,
        })?;
        if header.total_bytes() as u64 > remaining {
            return Err(FrameError::Invalid {
                position: self.position,
                error: BatchError::Truncated {
                    needed: header.total_bytes(),
                    available: remaining as usize,
                },
            });
        }
        Ok(Some(header))
    }

    /// Reads the batch whose header [`FrameReader::peek_header`] just returned.
    pub fn take(&mut self, header: BatchHeader) -> std::result::Result<Frame, FrameError> {
        let bytes = self.buffered(header.total_bytes())?;
        let frame = Frame {
            position: self.position,
            header,
            bytes,
        };
        self.position += header.total_bytes() as u64;
        Ok(frame)
    }

    /// Steps over the batch whose header was just peeked, without reading it.
    pub fn skip(&mut self, header: BatchHeader) {
        self.position += header.total_bytes() as u64;
    }

    /// The next whole batch; `Ok(None)` at the end.
    pub fn next_frame(&mut self) -> std::result::Result<Option<Frame>, FrameError> {
        match self.peek_header()? {
            Some(header) => self.take(header).map(Some),
            None => Ok(None),
        }
    }

    /// `len` bytes at the current position (the caller checked they are before `end`).
    fn buffered(&mut self, len: usize) -> std::result::Result<Bytes, FrameError> {
        let buf_end = self.buf_start + self.buf.len() as u64;
        if self.position < self.buf_start || self.position + len as u64 > buf_end {
            let want = (self.end - self.position).min(self.chunk_bytes.max(len) as u64) as usize;
            let mut chunk = read_buffers::take(want);
            // The chunk may reach past bytes a concurrent cut (after a failed fsync) just removed;
            // only the `len` bytes asked for must be there, and they are below any cut.
            let filled =
                read_available_at(self.file, &mut chunk, self.position).map_err(FrameError::Io)?;
            if filled < len {
                return Err(FrameError::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!(
                        "the file ends at byte {} where {len} bytes from byte {} were expected",
                        self.position + filled as u64,
                        self.position
                    ),
                )));
            }
            chunk.truncate(filled);
            self.buf = read_buffers::give_back(chunk);
            self.buf_start = self.position;
        }
        let at = (self.position - self.buf_start) as usize;
        Ok(self.buf.slice(at..at + len))
    }
}

/// Where a read puts the batches it takes: decoded records, or the batches' bytes as stored.
pub trait ReadSink: Default {
    fn is_empty(&self) -> bool;

    /// Takes one whole batch (`bytes`, framing and base offset already checked), keeping what
    /// is at or after `from_offset`; fails if the batch's CRC or records are bad.
    fn take(
        &mut self,
        header: &BatchHeader,
        bytes: Bytes,
        from_offset: u64,
    ) -> std::result::Result<(), BatchError>;
}

impl ReadSink for Vec<StoredRecord> {
    fn is_empty(&self) -> bool {
        <[StoredRecord]>::is_empty(self)
    }

    fn take(
        &mut self,
        header: &BatchHeader,
        bytes: Bytes,
        from_offset: u64,
    ) -> std::result::Result<(), BatchError> {
        batch::decode_into(bytes, Some(header.base_offset), from_offset, self).map(|_| ())
    }
}

/// Whole batches passed through undecoded: the CRC is checked (nothing corrupt is served), the
/// records are the reader's to parse.
impl ReadSink for Vec<StoredBatch> {
    fn is_empty(&self) -> bool {
        <[StoredBatch]>::is_empty(self)
    }

    fn take(
        &mut self,
        header: &BatchHeader,
        bytes: Bytes,
        _from_offset: u64,
    ) -> std::result::Result<(), BatchError> {
        batch::verify_crc(header, &bytes)?;
        self.push(StoredBatch {
            header: *header,
            bytes,
        });
        Ok(())
    }
}

/// Writes all of `slices` at `position` (the file's cursor is moved there first: only the single
/// appender writes, and readers use positional reads that ignore the cursor).
fn write_all_vectored_at(
    file: &File,
    mut slices: &mut [IoSlice<'_>],
    position: u64,
) -> std::io::Result<()> {
    let mut file = file;
    file.seek(SeekFrom::Start(position))?;
    while !slices.is_empty() {
        match file.write_vectored(slices) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => IoSlice::advance_slices(&mut slices, n),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads from `position` until `buf` is full or the file ends; returns the bytes read.
fn read_available_at(file: &File, buf: &mut [u8], position: u64) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read_at(&mut buf[filled..], position + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// What a scan of a segment's batches found.
#[derive(Debug)]
pub struct ScanOutcome {
    /// Bytes from the start of the file up to the end of the last good batch.
    pub valid_bytes: u64,
    /// The offset after the last good batch.
    pub next_offset: u64,
    /// Good batches scanned.
    pub batches: u64,
    /// The first bad batch: its position and what is wrong.
    pub problem: Option<(u64, String)>,
}

/// A batch that fails its checks in a segment: where it starts, the offset it should hold and
/// what is wrong. Everything before it in the segment was checked and is good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub path: PathBuf,
    pub position: u64,
    pub offset: u64,
    pub reason: String,
}

impl Damage {
    /// The error a read that reaches this damage fails with.
    pub fn to_error(&self) -> StorageError {
        StorageError::Corrupt {
            path: self.path.display().to_string(),
            position: self.position,
            reason: self.reason.clone(),
        }
    }
}

/// What [`Segment::verify`] found: damage in the log, and an index entry the log contradicts.
#[derive(Debug, Default)]
pub struct Verification {
    pub damage: Option<Damage>,
    /// The index file and the byte position of its first wrong entry, and why.
    pub bad_index: Option<(PathBuf, u64, String)>,
}

/// One segment: its log file, published size and indexes.
pub struct Segment {
    base_offset: u64,
    log_path: PathBuf,
    file: File,
    /// Bytes readers may see; the appender writes beyond it, then publishes.
    size_bytes: AtomicU64,
    /// Set when a failed append left bytes past `size_bytes` that could not be cut at once; the
    /// next append (or close) cuts them first, so no batch is ever written after a torn one.
    torn_tail: AtomicBool,
    /// How many times the segment was cut back (after failed fsyncs), so a read that ran across
    /// a cut can tell its failure from corruption even when appends have since refilled the file.
    cuts: AtomicU64,
    next_offset: AtomicU64,
    /// `i64::MIN` while empty.
    max_timestamp_ms: AtomicI64,
    indexes: RwLock<SegmentIndexes>,
    /// Wall-clock ms when the segment was created, for rolling by age.
    created_ms: i64,
}

impl Segment {
    /// Creates a new empty segment file (and makes its name durable).
    pub fn create(dir: &Path, base_offset: u64, now_ms: i64) -> Result<Segment> {
        let log_path = dir.join(file_name(base_offset, LOG_EXT));
        let context = || format!("creating {}", log_path.display());
        faults::check(&log_path, DiskOp::Write).map_err(|e| StorageError::io(context(), e))?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&log_path)
            .map_err(|e| StorageError::io(context(), e))?;
        if let Err(e) = sync_parent_dir(&log_path) {
            // Leave no file behind: the next attempt creates it anew (create_new would refuse).
            let _ = std::fs::remove_file(&log_path);
            return Err(e);
        }
        Ok(Segment {
            base_offset,
            log_path,
            file,
            size_bytes: AtomicU64::new(0),
            torn_tail: AtomicBool::new(false),
            cuts: AtomicU64::new(0),
            next_offset: AtomicU64::new(base_offset),
            max_timestamp_ms: AtomicI64::new(i64::MIN),
            indexes: RwLock::new(SegmentIndexes::default()),
            created_ms: now_ms,
        })
    }

    /// Opens an existing segment file; its size, end and indexes are settled by recovery.
    pub fn open(dir: &Path, base_offset: u64) -> Result<Segment> {
        let log_path = dir.join(file_name(base_offset, LOG_EXT));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(&log_path)
            .map_err(|e| StorageError::io(format!("opening {}", log_path.display()), e))?;
        let meta = file
            .metadata()
            .map_err(|e| StorageError::io(format!("reading {}", log_path.display()), e))?;
        let created = meta.created().or_else(|_| meta.modified()).ok();
        let created_ms = created
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as i64);
        Ok(Segment {
            base_offset,
            log_path,
            file,
            size_bytes: AtomicU64::new(meta.len()),
            torn_tail: AtomicBool::new(false),
            cuts: AtomicU64::new(0),
            next_offset: AtomicU64::new(base_offset),
            max_timestamp_ms: AtomicI64::new(i64::MIN),
            indexes: RwLock::new(SegmentIndexes::default()),
            created_ms,
        })
    }

    /// Offset of the segment's first batch (its name).
    pub fn base_offset(&self) -> u64 {
        self.base_offset
    }

    /// The `.log` file.
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }

    /// The path of this segment's file with another extension.
    pub fn path_with_ext(&self, ext: &str) -> PathBuf {
        self.log_path.with_extension(ext)
    }

    /// Bytes of whole batches readers may see.
    pub fn size_bytes(&self) -> u64 {
        self.size_bytes.load(Ordering::Acquire)
    }

    /// The offset after this segment's last record.
    pub fn next_offset(&self) -> u64 {
        self.next_offset.load(Ordering::Acquire)
    }

    /// The largest record timestamp in the segment, `None` while empty.
    pub fn max_timestamp_ms(&self) -> Option<i64> {
        match self.max_timestamp_ms.load(Ordering::Acquire) {
            i64::MIN => None,
            ts => Some(ts),
        }
    }

    /// When the segment was created (wall clock, ms), for rolling by age.
    pub fn created_ms(&self) -> i64 {
        self.created_ms
    }

    /// True while the segment holds no batch.
    pub fn is_empty(&self) -> bool {
        self.size_bytes() == 0
    }

    /// The open file, for syncing.
    pub fn file(&self) -> &File {
        &self.file
    }

    fn indexes(&self) -> RwLockReadGuard<'_, SegmentIndexes> {
        self.indexes.read().unwrap_or_else(|e| e.into_inner())
    }

    fn indexes_mut(&self) -> RwLockWriteGuard<'_, SegmentIndexes> {
        self.indexes.write().unwrap_or_else(|e| e.into_inner())
    }

    fn corrupt(&self, position: u64, reason: impl std::fmt::Display) -> StorageError {
        StorageError::Corrupt {
            path: self.log_path.display().to_string(),
            position,
            reason: reason.to_string(),
        }
    }

    /// An I/O error reading this segment's log file.
    fn read_error(&self, error: std::io::Error) -> StorageError {
        StorageError::io(format!("reading {}", self.log_path.display()), error)
    }

    fn frame_error(&self, error: FrameError) -> StorageError {
        match error {
            FrameError::Io(e) => self.read_error(e),
            FrameError::Invalid { position, error } => {
                self.corrupt(position + error.position() as u64, error)
            }
        }
    }

    /// Appends whole batches with one vectored write: each is `(header, bytes)` where the header
    /// carries the base offset to stamp and `bytes` the batch as encoded (its own base offset
    /// field is replaced in the write, never copied). Only the partition's single appender calls
    /// this.
    ///
    /// A failed write (a full or read-only disk) publishes nothing and cuts whatever part of
    /// the batches landed, so the segment still ends at its last whole batch.
    pub fn append(&self, batches: &[(BatchHeader, &[u8])]) -> Result<()> {
        self.cut_torn_tail()?;
        let position = self.size_bytes.load(Ordering::Acquire);
        let total_bytes: u64 = batches.iter().map(|(_, b)| b.len() as u64).sum();
        debug_assert_eq!(
            batches.first().map(|(h, _)| h.base_offset),
            Some(self.next_offset())
        );
        debug_assert!(position + total_bytes <= MAX_SEGMENT_BYTES);
        let base_offsets: Vec<[u8; 8]> = batches
            .iter()
            .map(|(h, _)| h.base_offset.to_be_bytes())
            .collect();
        let mut slices: Vec<IoSlice<'_>> = Vec::with_capacity(2 * batches.len());
        for ((_, bytes), base_offset) in batches.iter().zip(&base_offsets) {
            debug_assert!(bytes.len() >= BATCH_HEADER_BYTES);
            slices.push(IoSlice::new(base_offset));
            slices.push(IoSlice::new(&bytes[8..]));
        }
        let written = match faults::check(&self.log_path, DiskOp::Write) {
            // An injected fault lands a few bytes first, as a write that runs out of space
            // midway does.
            Err(fault) => {
                let _ = self.file.write_all_at(&base_offsets[0], position);
                Err(fault)
            }
            Ok(()) => write_all_vectored_at(&self.file, &mut slices, position),
        };
        if let Err(e) = written {
            self.torn_tail.store(true, Ordering::Release);
            if let Err(cut) = self.cut_torn_tail() {
                tracing::error!(file = %self.log_path.display(), error = %cut, "cannot cut a failed append yet; the next append will");
            }
            return Err(StorageError::io(
                format!("appending to {}", self.log_path.display()),
                e,
            ));
        }
        let mut batch_position = position;
        let mut indexes = self.indexes_mut();
        for (header, bytes) in batches {
            indexes.on_batch(
                (header.base_offset - self.base_offset) as u32,
                batch_position as u32,
                bytes.len() as u64,
                header.max_timestamp_ms,
            );
            batch_position += bytes.len() as u64;
        }
        drop(indexes);
        let max_timestamp_ms = batches.iter().map(|(h, _)| h.max_timestamp_ms).max();
        self.max_timestamp_ms
            .fetch_max(max_timestamp_ms.unwrap_or(i64::MIN), Ordering::AcqRel);
        if let Some((last, _)) = batches.last() {
            self.next_offset
                .store(last.next_offset(), Ordering::Release);
        }
        self.size_bytes
            .store(position + total_bytes, Ordering::Release);
        Ok(())
    }

    /// Cuts bytes a failed append left past the published size. Called only by the appender (a
    /// cut racing an append in flight would destroy it).
    pub fn cut_torn_tail(&self) -> Result<()> {
        if !self.torn_tail.load(Ordering::Acquire) {
            return Ok(());
        }
        let size = self.size_bytes();
        faults::check(&self.log_path, DiskOp::Shrink)
            .and_then(|()| self.file.set_len(size))
            .map_err(|e| {
                StorageError::io(
                    format!(
                        "cutting a failed append from {} at byte {size}",
                        self.log_path.display()
                    ),
                    e,
                )
            })?;
        self.torn_tail.store(false, Ordering::Release);
        Ok(())
    }

    /// The index entry at or before `offset`, as (base offset of that batch, position).
    fn floor(&self, offset: u64) -> (u64, u64) {
        let relative = offset.saturating_sub(self.base_offset);
        self.indexes()
            .offsets
            .last_where(|e| (e.relative_offset as u64) <= relative)
            .map_or((self.base_offset, 0), |e| {
                (
                    self.base_offset + e.relative_offset as u64,
                    e.position as u64,
                )
            })
    }

    /// Reads records with offset >= `from_offset` into `out`, whole batches while `used_bytes`
    /// stays within `max_bytes` (the first batch of the whole read is always taken).
    /// Returns the offset after the last batch read when the read reached the end of what the
    /// segment held when it started, `None` when the budget stopped it first.
    pub fn read(
        &self,
        from_offset: u64,
        max_bytes: usize,
        used_bytes: &mut usize,
        out: &mut impl ReadSink,
    ) -> Result<Option<u64>> {
        // The cut count first: a cut lowers the size before it counts itself.
        let cuts = self.cuts.load(Ordering::Acquire);
        let size = self.size_bytes();
        let (mut expected, position) = self.floor(from_offset);
        let chunk = max_bytes.saturating_sub(*used_bytes).clamp(
            super::index::INDEX_INTERVAL_BYTES as usize,
            READ_CHUNK_BYTES,
        );
        let mut reader = FrameReader::new(&self.file, position, size, chunk);
        // A segment cut back while this read ran (after a failed fsync) lost only bytes no one
        // was told about: the read ends where the cut is instead of failing.
        let cut_meanwhile =
            || self.cuts.load(Ordering::Acquire) != cuts || self.size_bytes() < size;
        loop {
            let header = match self.next_header(&mut reader, &mut expected) {
                Ok(Some(header)) => header,
                Ok(None) => break,
                Err(_) if cut_meanwhile() => return Ok(None),
                Err(e) => return Err(e),
            };
            if header.last_offset() < from_offset {
                reader.skip(header);
                continue;
            }
            if !out.is_empty() && *used_bytes + header.total_bytes() > max_bytes {
                return Ok(None);
            }
            let frame = match reader.take(header) {
                Ok(frame) => frame,
                Err(_) if cut_meanwhile() => return Ok(None),
                Err(e) => return Err(self.frame_error(e)),
            };
            let position = frame.position;
            match out.take(&header, frame.bytes, from_offset) {
                Ok(()) => {}
                Err(_) if cut_meanwhile() => return Ok(None),
                Err(e) => return Err(self.corrupt(position + e.position() as u64, e)),
            }
            *used_bytes += header.total_bytes();
        }
        Ok(Some(expected))
    }

    /// The next batch header, checked to start at `expected` (offsets are dense across
    /// batches); advances `expected` past it.
    fn next_header(
        &self,
        reader: &mut FrameReader<'_>,
        expected: &mut u64,
    ) -> Result<Option<BatchHeader>> {
        let Some(header) = reader.peek_header().map_err(|e| self.frame_error(e))? else {
            return Ok(None);
        };
        if header.base_offset != *expected {
            return Err(self.corrupt(
                reader.position(),
                BatchError::UnexpectedBaseOffset {
                    expected: *expected,
                    found: header.base_offset,
                },
            ));
        }
        *expected = header.next_offset();
        Ok(Some(header))
    }

    /// The first offset in this segment whose record timestamp is >= `timestamp_ms`.
    pub fn offset_for_timestamp(&self, timestamp_ms: i64) -> Result<Option<u64>> {
        if self.max_timestamp_ms().is_none_or(|max| max < timestamp_ms) {
            return Ok(None);
        }
        // Every record up to and including the batch of the last entry below the target is older
        // than the target, so the search starts there.
        let start = self
            .indexes()
            .times
            .last_where(|e| e.timestamp_ms < timestamp_ms)
            .map_or(self.base_offset, |e| {
                self.base_offset + e.relative_offset as u64
            });
        let (mut expected, position) = self.floor(start);
        let mut reader =
            FrameReader::new(&self.file, position, self.size_bytes(), LOOKUP_CHUNK_BYTES);
        while let Some(header) = self.next_header(&mut reader, &mut expected)? {
            if header.max_timestamp_ms < timestamp_ms {
                reader.skip(header);
                continue;
            }
            let frame = reader.take(header).map_err(|e| self.frame_error(e))?;
            let decoded = batch::decode_at(frame.bytes, header.base_offset)
                .map_err(|e| self.corrupt(frame.position + e.position() as u64, e))?;
            if let Some(r) = decoded
                .records
                .iter()
                .find(|r| r.record.timestamp_ms >= timestamp_ms)
            {
                return Ok(Some(r.offset));
            }
        }
        Ok(None)
    }

    /// Validates batches from `position` (whose batch must start at `expected_offset`) to the end
    /// of the file: framing, CRC, full decode and offset order. Good batches are added to the
    /// indexes, the size and the end offset. Stops at the first bad batch.
    pub fn scan_from(&self, position: u64, expected_offset: u64) -> Result<ScanOutcome> {
        let file_len = self.file.metadata().map_err(|e| self.read_error(e))?.len();
        let mut reader = FrameReader::new(&self.file, position, file_len, SCAN_CHUNK_BYTES);
        let mut outcome = ScanOutcome {
            valid_bytes: position,
            next_offset: expected_offset,
            batches: 0,
            problem: None,
        };
        let mut indexes = self.indexes_mut();
        let mut max_timestamp_ms = self.max_timestamp_ms.load(Ordering::Acquire);
        loop {
            let frame = match reader.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(FrameError::Io(e)) => return Err(self.read_error(e)),
                Err(FrameError::Invalid { position, error }) => {
                    outcome.problem = Some((position, error.to_string()));
                    break;
                }
            };
            let header = frame.header;
            if let Err(error) = batch::decode_at(frame.bytes, outcome.next_offset) {
                outcome.problem = Some((frame.position, error.to_string()));
                break;
            }
            if header.next_offset() - self.base_offset > MAX_SEGMENT_OFFSETS
                || frame.position + header.total_bytes() as u64 > MAX_SEGMENT_BYTES
            {
                outcome.problem = Some((frame.position, "segment too large".to_string()));
                break;
            }
            indexes.on_batch(
                (header.base_offset - self.base_offset) as u32,
                frame.position as u32,
                header.total_bytes() as u64,
                header.max_timestamp_ms,
            );
            max_timestamp_ms = max_timestamp_ms.max(header.max_timestamp_ms);
            outcome.valid_bytes = frame.position + header.total_bytes() as u64;
            outcome.next_offset = header.next_offset();
            outcome.batches += 1;
        }
        self.max_timestamp_ms
            .store(max_timestamp_ms, Ordering::Release);
        self.next_offset
            .store(outcome.next_offset, Ordering::Release);
        self.size_bytes
            .store(outcome.valid_bytes, Ordering::Release);
        Ok(outcome)
    }

    /// Checks the batches in the first `end_position` bytes of the segment (framing, CRC, offset
    /// chaining from the base offset, and that they end at `end_offset`: where the next
    /// segment starts, or where the tail to scan begins), and every index entry among them: an
    /// offset entry must point at the start of the batch it names, a time entry at a batch
    /// whose maximum timestamp it holds, that being the segment's running maximum there.
    /// Changes nothing. Records are not decoded: the CRC covers them, and an undecodable record
    /// behind a good CRC is a writer's bug, not a disk's.
    pub fn verify(&self, end_position: u64, end_offset: u64) -> Result<Verification> {
        let mut reader = FrameReader::new(&self.file, 0, end_position, SCAN_CHUNK_BYTES);
        let indexes = self.indexes();
        let offsets = indexes.offsets.entries();
        let times = indexes.times.entries();
        let (mut next_offset_entry, mut next_time_entry) = (0usize, 0usize);
        let mut bad_index = None;
        let mut expected = self.base_offset;
        let mut running_max = i64::MIN;
        let damage = |position: u64, offset: u64, reason: String| Damage {
            path: self.log_path.clone(),
            position,
            offset,
            reason,
        };
        loop {
            let position = reader.position();
            let frame = match reader.next_frame() {
                Ok(Some(frame)) => frame,
                Ok(None) => break,
                Err(FrameError::Io(e)) => return Err(self.read_error(e)),
                Err(FrameError::Invalid { position, error }) => {
                    let damage = damage(position, expected, error.to_string());
                    return Ok(Verification {
                        damage: Some(damage),
                        bad_index,
                    });
                }
            };
            let header = frame.header;
            let checked = if header.base_offset != expected {
                Err(BatchError::UnexpectedBaseOffset {
                    expected,
                    found: header.base_offset,
                })
            } else {
                batch::verify_crc(&header, &frame.bytes)
            };
            if let Err(error) = checked {
                let damage = damage(position, expected, error.to_string());
                return Ok(Verification {
                    damage: Some(damage),
                    bad_index,
                });
            }
            running_max = running_max.max(header.max_timestamp_ms);
            let relative = header.base_offset - self.base_offset;
            while bad_index.is_none()
                && let Some(entry) = offsets.get(next_offset_entry)
                && entry.position as u64 <= position
            {
                if entry.position as u64 != position || entry.relative_offset as u64 != relative {
                    bad_index = Some((
                        self.path_with_ext(INDEX_EXT),
                        (next_offset_entry * super::index::OFFSET_ENTRY_BYTES) as u64,
                        format!(
                            "entry (offset {}, byte {}) is not the start of that batch",
                            self.base_offset + entry.relative_offset as u64,
                            entry.position
                        ),
                    ));
                }
                next_offset_entry += 1;
            }
            while bad_index.is_none()
                && let Some(entry) = times.get(next_time_entry)
                && entry.relative_offset as u64 <= relative
            {
                if entry.relative_offset as u64 != relative
                    || entry.timestamp_ms != header.max_timestamp_ms
                    || entry.timestamp_ms != running_max
                {
                    bad_index = Some((
                        self.path_with_ext(TIME_INDEX_EXT),
                        (next_time_entry * super::index::TIME_ENTRY_BYTES) as u64,
                        format!(
                            "entry (timestamp {}, offset {}) does not match the batches",
                            entry.timestamp_ms,
                            self.base_offset + entry.relative_offset as u64
                        ),
                    ));
                }
                next_time_entry += 1;
            }
            expected = header.next_offset();
        }
        let damage = (expected != end_offset).then(|| {
            damage(
                reader.position(),
                expected,
                format!(
                    "the segment's batches end at offset {expected}, before offset {end_offset}"
                ),
            )
        });
        Ok(Verification { damage, bad_index })
    }

    /// The first damaged batch among the segment's published bytes, whose batches must run to
    /// its end offset; `None` when they are all good.
    pub fn first_damage(&self) -> Result<Option<Damage>> {
        Ok(self.verify(self.size_bytes(), self.next_offset())?.damage)
    }

    /// Restarts the indexes empty, for a scan from the start of the file.
    pub fn reset_indexes(&self) {
        *self.indexes_mut() = SegmentIndexes::default();
        self.max_timestamp_ms.store(i64::MIN, Ordering::Release);
    }

    /// Loads the index files and checks them against the log: entries in order, inside the
    /// file, the last offset entry on a batch whose base offset matches. Installs them and
    /// returns where a tail scan must start, as (position, expected offset); `Err(reason)` when
    /// they are missing or stale (the caller rebuilds them).
    pub fn load_indexes(
        &self,
        next_offset: Option<u64>,
    ) -> Result<std::result::Result<(u64, u64), String>> {
        let index_path = self.path_with_ext(super::segment::INDEX_EXT);
        let time_path = self.path_with_ext(super::segment::TIME_INDEX_EXT);
        let offsets = match SparseIndex::<OffsetEntry>::load(&index_path)? {
            None => return Ok(Err(format!("{} is missing", index_path.display()))),
            Some(Err(reason)) => return Ok(Err(format!("{}: {reason}", index_path.display()))),
            Some(Ok(index)) => index,
        };
        let times = match SparseIndex::<TimeEntry>::load(&time_path)? {
            None => return Ok(Err(format!("{} is missing", time_path.display()))),
            Some(Err(reason)) => return Ok(Err(format!("{}: {reason}", time_path.display()))),
            Some(Ok(index)) => index,
        };
        let size = self.size_bytes();
        if size > 0 && times.last().is_none() {
            return Ok(Err(format!("{} is empty", time_path.display())));
        }
        let (tail_offset, tail_position) = match offsets.last() {
            Some(e) => (
                self.base_offset + e.relative_offset as u64,
                e.position as u64,
            ),
            None => (self.base_offset, 0),
        };
        if let Some(next) = next_offset
            && (tail_offset >= next
                || times
                    .last()
                    .is_some_and(|t| self.base_offset + t.relative_offset as u64 >= next))
        {
            return Ok(Err("index entries point past the segment's end".to_string()));
        }
        if tail_position > 0 {
            let mut reader = FrameReader::new(&self.file, tail_position, size, BATCH_HEADER_BYTES);
            match reader.peek_header() {
                Ok(Some(h)) if h.base_offset == tail_offset => {}
                _ => {
                    return Ok(Err(format!(
                        "the last index entry does not point at the batch of offset {tail_offset}"
                    )));
                }
            }
        }
        if let Some(max) = times.last() {
            self.max_timestamp_ms
                .store(max.timestamp_ms, Ordering::Release);
        }
        *self.indexes_mut() = SegmentIndexes::from_loaded(offsets, times);
        Ok(Ok((tail_position, tail_offset)))
    }

    /// True when no index entry points at or past the segment's end offset (index files loaded
    /// from disk may, when the log behind them was damaged or cut).
    pub fn indexes_within_end(&self) -> bool {
        let end = self.next_offset();
        let indexes = self.indexes();
        let within = |relative: u32| self.base_offset + (relative as u64) < end;
        indexes
            .offsets
            .last()
            .is_none_or(|e| within(e.relative_offset))
            && indexes
                .times
                .last()
                .is_none_or(|e| within(e.relative_offset))
    }

    /// Sets the end offset of a segment whose batches are not scanned (a closed one).
    pub fn set_next_offset(&self, next_offset: u64) {
        self.next_offset.store(next_offset, Ordering::Release);
    }

    /// Makes the whole file visible again after a scan stopped early in a closed segment.
    pub fn restore_size(&self) -> Result<()> {
        let len = self.file.metadata().map_err(|e| self.read_error(e))?.len();
        self.size_bytes.store(len, Ordering::Release);
        Ok(())
    }

    /// Cuts the file at `len` bytes (a torn or corrupt tail) and makes the cut durable.
    pub fn truncate(&self, len: u64) -> Result<()> {
        let context = || format!("truncating {} to {len} bytes", self.log_path.display());
        faults::check(&self.log_path, DiskOp::Shrink)
            .and_then(|()| self.file.set_len(len))
            .map_err(|e| StorageError::io(context(), e))?;
        faults::check(&self.log_path, DiskOp::Sync)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| StorageError::io(context(), e))?;
        self.size_bytes.store(len, Ordering::Release);
        self.torn_tail.store(false, Ordering::Release);
        Ok(())
    }

    /// Cuts the segment back to `len` bytes, the end of a batch that was durable, after an fsync
    /// failed and the bytes after it can no longer be trusted. Index entries past the cut are
    /// dropped and the bookkeeping is rebuilt from the last entry kept, as recovery would.
    /// Called by the appender only, with every append after `len` already failed.
    pub fn cut_back(&self, len: u64) -> Result<()> {
        // Readers stop at the new end before the bytes go; readers already past it see the count.
        self.size_bytes.fetch_min(len, Ordering::AcqRel);
        self.cuts.fetch_add(1, Ordering::AcqRel);
        self.truncate(len)?;
        let (position, offset) = {
            let mut indexes = self.indexes_mut();
            *indexes = indexes.cut_back(len);
            match indexes.offsets.last() {
                Some(e) => (
                    e.position as u64,
                    self.base_offset + e.relative_offset as u64,
                ),
                None => (0, self.base_offset),
            }
        };
        let max = self
            .indexes()
            .times
            .last()
            .map_or(i64::MIN, |t| t.timestamp_ms);
        self.max_timestamp_ms.store(max, Ordering::Release);
        let outcome = self.scan_from(position, offset)?;
        match outcome.problem {
            Some((at, reason)) => Err(self.corrupt(at, reason)),
            None if outcome.valid_bytes != len => Err(self.corrupt(
                outcome.valid_bytes,
                format!("the durable end {len} is not a batch boundary"),
            )),
            None => Ok(()),
        }
    }

    /// Writes both indexes crash-safely, adding the final max timestamp entry first.
    pub fn store_indexes(&self) -> Result<()> {
        let mut indexes = self.indexes_mut();
        indexes.add_time_entry();
        indexes.offsets.store(&self.path_with_ext(INDEX_EXT))?;
        indexes.times.store(&self.path_with_ext(TIME_INDEX_EXT))
    }

    /// Fsyncs the log file's data.
    pub fn sync(&self) -> Result<()> {
        faults::check(&self.log_path, DiskOp::Sync)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| StorageError::io(format!("syncing {}", self.log_path.display()), e))
    }

    /// Removes the segment's files (the handle stays valid for readers holding it).
    pub fn delete_files(&self) -> Result<()> {
        for ext in [LOG_EXT, INDEX_EXT, TIME_INDEX_EXT] {
            let path = self.path_with_ext(ext);
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(StorageError::io(format!("deleting {}", path.display()), e)),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_round_trip() {
        assert_eq!(file_name(42, LOG_EXT), "00000000000000000042.log");
        assert_eq!(
            parse_file_name("00000000000000000042.log", LOG_EXT),
            Some(42)
        );
        assert_eq!(parse_file_name("00000000000000000042.index", LOG_EXT), None);
        assert_eq!(parse_file_name("42.log", LOG_EXT), None);
        assert_eq!(parse_file_name("0000000000000000004x.log", LOG_EXT), None);
        assert_eq!(parse_file_name("99999999999999999999.log", LOG_EXT), None);
    }
}
