//! Journals: append-only files of CRC-framed payloads, and whole files framed the same way. This
//! is the one place that frames a durable file and decides, when reading it back, what is a torn
//! tail and what is damage.
//!
//! A file starts with an 8-byte magic naming its kind and format version (the caller's: each
//! kind of file has its own), then frames `u32 payload length | u32 CRC32C of the 4 length bytes
//! | u32 CRC32C of the payload | payload`, little-endian. The length carries its own CRC, so a
//! damaged length is told apart from an append a crash cut short. Reading a journal back, only
//! these count as a **torn tail** (a write that never completed, so never acknowledged): fewer
//! bytes than a frame header, an authentic length whose frame runs past the end of the file,
//! zeros to the end (a file system that extended the file before the bytes landed), or a bad
//! payload CRC on a last frame that ends exactly at the end of the file. A torn tail is cut off
//! durably at open. Anything else is **damage**, [`StorageError::Corrupt`] naming the file and the
//! byte position: a journal never skips a frame, so nothing after damage is read, served, counted
//! or voted with. A whole file ([`FramedFile`], [`write_whole`]: snapshots, votes) is only ever
//! renamed into place complete, so there any defect, a torn end included, is damage.
//!
//! Appends write one frame at the journal's end; a failed write is cut back at once (and, if
//! even the cut fails, before the next append), so the file always ends at its last whole frame.
//! Writes, cuts and fsyncs go through the [`super::faults`] hooks.
//!
//! Not here: what payloads mean (callers encode and decode them and say what a bad one is), group
//! commit and compaction policy (the offsets store and the Raft log keep theirs), and formats that
//! came before this one (their readers live with their files).

use std::fs::{File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::durable::write_atomically;
use super::faults::{self, DiskOp};
use super::{Result, StorageError};

/// Bytes of the magic that opens every framed file.
pub const MAGIC_BYTES: usize = 8;
/// Bytes of a frame before its payload: length, length CRC and payload CRC.
pub const FRAME_HEADER_BYTES: usize = 12;
/// The largest payload one frame carries; a longer length field is damage, never an allocation.
/// (The Raft log's largest frame is one peer message of entries, itself at most 64 MiB.)
pub const MAX_FRAME_BYTES: usize = 64 * 1024 * 1024;

/// A file's kind and format version, as its first bytes.
pub type Magic = [u8; MAGIC_BYTES];

/// One payload framed with its length and CRCs, ready to append; made only by [`Frame::new`].
#[derive(Debug, Clone)]
pub struct Frame(Vec<u8>);

impl Frame {
    /// Frames `payload` (1 to [`MAX_FRAME_BYTES`] bytes; anything else is refused as invalid input).
    pub fn new(payload: &[u8]) -> Result<Frame> {
        if payload.is_empty() || payload.len() > MAX_FRAME_BYTES {
            return Err(StorageError::io(
                "framing a journal entry",
                std::io::Error::new(
                    std::io::ErrorKind::InvalidInput,
                    format!(
                        "entry is {} bytes, outside 1..={MAX_FRAME_BYTES}",
                        payload.len()
                    ),
                ),
            ));
        }
        let mut frame = Vec::with_capacity(FRAME_HEADER_BYTES + payload.len());
        let length = (payload.len() as u32).to_le_bytes();
        frame.extend_from_slice(&length);
        frame.extend_from_slice(&crc32c::crc32c(&length).to_le_bytes());
        frame.extend_from_slice(&crc32c::crc32c(payload).to_le_bytes());
        frame.extend_from_slice(payload);
        Ok(Frame(frame))
    }

    /// Bytes the frame takes in the file, header included.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Never true: a frame holds at least its header and one payload byte.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An open journal: appends go to its end.
#[derive(Debug)]
pub struct Journal {
    path: Arc<Path>,
    file: Arc<File>,
    /// Bytes of whole frames (and the magic): where the next frame goes.
    len: u64,
    /// A failed write left bytes past `len` that could not be cut yet; cut before the next write.
    torn: bool,
}

impl Journal {
    /// Opens the journal at `path`, creating it (magic only) when missing. Each payload is passed
    /// to `visit` in order; an `Err(reason)` from it is damage at that frame. A torn tail is cut
    /// off (set_len and fsync) with a warning saying how many bytes were kept and cut; damage
    /// anywhere else fails the open with [`StorageError::Corrupt`].
    pub fn open(
        path: &Path,
        magic: &Magic,
        visit: impl FnMut(&[u8]) -> std::result::Result<(), String>,
    ) -> Result<Journal> {
        let Some(bytes) = read_if_exists(path)? else {
            return Journal::create(path, magic, &[]);
        };
        let kept = replay(path, &bytes, magic, visit)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| StorageError::io(format!("opening {}", path.display()), e))?;
        if kept < bytes.len() as u64 {
            faults::check(path, DiskOp::Shrink)
                .and_then(|()| file.set_len(kept))
                .and_then(|()| faults::check(path, DiskOp::Sync))
                .and_then(|()| file.sync_all())
                .map_err(|e| {
                    StorageError::io(format!("cutting the torn tail of {}", path.display()), e)
                })?;
            tracing::warn!(
                path = %path.display(),
                kept_bytes = kept,
                cut_bytes = bytes.len() as u64 - kept,
                "cut a torn frame off the end of the file (a write a crash interrupted, never acknowledged)"
            );
        }
        Ok(Journal {
            path: path.into(),
            file: Arc::new(file),
            len: kept,
            torn: false,
        })
    }

    /// Replaces whatever is at `path` crash-safely (temp, fsync, rename, fsync dir) with a journal
    /// holding `frames`, and opens it for appends.
    pub fn create(path: &Path, magic: &Magic, frames: &[Frame]) -> Result<Journal> {
        let bytes = file_bytes(magic, frames);
        write_atomically(path, &bytes)?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| StorageError::io(format!("opening {}", path.display()), e))?;
        Ok(Journal {
            path: path.into(),
            file: Arc::new(file),
            len: bytes.len() as u64,
            torn: false,
        })
    }

    /// Bytes in the journal (magic and whole frames).
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Never true: a journal holds at least its magic.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Writes `frame` at the end, not synced. On failure whatever part of it landed is cut off
    /// before this returns, or, if the cut fails too, before the next append writes anything.
    pub fn append(&mut self, frame: &Frame) -> Result<()> {
        if self.torn {
            self.cut_to(self.len)?;
        }
        let written = faults::check(&self.path, DiskOp::Write)
            .and_then(|()| self.file.write_all_at(&frame.0, self.len));
        if let Err(e) = written {
            if let Err(cut) = self.cut_to(self.len) {
                tracing::warn!(error = %cut, "a failed append could not be cut back yet; the next append cuts it first");
            }
            return Err(StorageError::io(
                format!("appending to {}", self.path.display()),
                e,
            ));
        }
        self.len += frame.len() as u64;
        Ok(())
    }

    /// Writes `frame` and fsyncs it. On failure the frame is cut back off, so the journal ends
    /// at its last durable frame, as before the call.
    pub fn append_synced(&mut self, frame: &Frame) -> Result<()> {
        let start = self.len;
        self.append(frame)?;
        if let Err(e) = self.sync() {
            self.len = start;
            if let Err(cut) = self.cut_to(start) {
                tracing::warn!(error = %cut, "a frame whose fsync failed could not be cut back yet; the next append cuts it first");
            }
            return Err(e);
        }
        Ok(())
    }

    /// Fsyncs what was appended so far.
    pub fn sync(&self) -> Result<()> {
        self.sync_handle().sync()
    }

    /// A handle that fsyncs this journal from another thread, without holding the journal (group
    /// commit: one writer syncs for all while others append).
    pub fn sync_handle(&self) -> SyncHandle {
        SyncHandle {
            path: self.path.clone(),
            file: self.file.clone(),
        }
    }

    /// Cuts the file back to `len` bytes; remembers a failure so the next append tries again.
    fn cut_to(&mut self, len: u64) -> Result<()> {
        let cut = faults::check(&self.path, DiskOp::Shrink).and_then(|()| self.file.set_len(len));
        self.torn = cut.is_err();
        cut.map_err(|e| {
            StorageError::io(
                format!("cutting a failed write off {}", self.path.display()),
                e,
            )
        })
    }
}

/// Fsyncs one journal; see [`Journal::sync_handle`].
#[derive(Debug, Clone)]
pub struct SyncHandle {
    path: Arc<Path>,
    file: Arc<File>,
}

impl SyncHandle {
    /// fdatasync of everything written to the journal so far.
    pub fn sync(&self) -> Result<()> {
        faults::check(&self.path, DiskOp::Sync)
            .and_then(|()| self.file.sync_data())
            .map_err(|e| StorageError::io(format!("syncing {}", self.path.display()), e))
    }
}

/// Checks a journal's bytes without changing anything: passes each payload to `visit` and
/// returns how many leading bytes are magic and whole frames (less than `bytes.len()` when the
/// tail is torn). Damage, or an `Err(reason)` from `visit`, is [`StorageError::Corrupt`].
pub fn replay(
    path: &Path,
    bytes: &[u8],
    magic: &Magic,
    mut visit: impl FnMut(&[u8]) -> std::result::Result<(), String>,
) -> Result<u64> {
    let scan = scan(path, bytes, magic)?;
    for (position, payload) in scan.frames(bytes) {
        visit(payload).map_err(|reason| corrupt(path, position, reason))?;
    }
    Ok(scan.kept as u64)
}

/// A framed file written whole and renamed into place (a snapshot, a vote), read and checked:
/// every frame is whole and its CRCs match, or reading it failed.
pub struct FramedFile {
    path: PathBuf,
    bytes: Vec<u8>,
    frames: Vec<(usize, std::ops::Range<usize>)>,
}

impl FramedFile {
    /// Checks `bytes`, read from `path`. Any defect is damage: such a file is never torn.
    pub fn parse(path: &Path, bytes: Vec<u8>, magic: &Magic) -> Result<FramedFile> {
        let scan = scan(path, &bytes, magic)?;
        if let Some(reason) = scan.torn {
            return Err(corrupt(path, scan.kept as u64, reason));
        }
        Ok(FramedFile {
            path: path.to_path_buf(),
            frames: scan.frames,
            bytes,
        })
    }

    /// The payloads in file order, each with the byte position of its frame.
    pub fn frames(&self) -> impl Iterator<Item = (u64, &[u8])> {
        self.frames
            .iter()
            .map(|(position, range)| (*position as u64, &self.bytes[range.clone()]))
    }

    /// The payload of a file that holds exactly one frame (a vote, a small state), with its
    /// frame's position; `what` names the content in the error for none or more than one.
    pub fn only_frame(&self, what: &str) -> Result<(u64, &[u8])> {
        let mut frames = self.frames();
        let Some(only) = frames.next() else {
            return Err(self.corrupt(self.len(), format!("the file holds no {what}")));
        };
        if let Some((extra, _)) = frames.next() {
            return Err(self.corrupt(extra, format!("the file holds more than one {what}")));
        }
        Ok(only)
    }

    /// The file's length: the position to name for something missing at its end.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Never true: a framed file holds at least its magic.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The error for damage found in this file's content at `position`.
    pub fn corrupt(&self, position: u64, reason: impl Into<String>) -> StorageError {
        corrupt(&self.path, position, reason)
    }
}

/// Replaces `path` crash-safely with a framed file holding `frames`.
pub fn write_whole(path: &Path, magic: &Magic, frames: &[Frame]) -> Result<()> {
    write_atomically(path, &file_bytes(magic, frames))
}

/// Whether `bytes` start with `magic` (how a reader tells this format from one before it).
pub fn has_magic(bytes: &[u8], magic: &Magic) -> bool {
    bytes.starts_with(magic)
}

/// Whether the file at `path` starts with `magic`; `None` when there is no file.
pub fn file_has_magic(path: &Path, magic: &Magic) -> Result<Option<bool>> {
    use std::io::Read;
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StorageError::io(format!("opening {}", path.display()), e)),
    };
    let mut head = Vec::with_capacity(MAGIC_BYTES);
    file.take(MAGIC_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| StorageError::io(format!("reading {}", path.display()), e))?;
    Ok(Some(has_magic(&head, magic)))
}

/// The whole file, or `None` when there is none.
pub fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StorageError::io(format!("reading {}", path.display()), e)),
    }
}

/// Damage in `path` at byte `position`.
pub fn corrupt(path: &Path, position: u64, reason: impl Into<String>) -> StorageError {
    StorageError::Corrupt {
        path: path.display().to_string(),
        position,
        reason: reason.into(),
    }
}

/// The byte position a [`StorageError::Corrupt`] names, checking that it names a file called
/// `file`; any other error fails the test.
#[cfg(test)]
pub fn damage_at(error: StorageError, file: &str) -> u64 {
    match error {
        StorageError::Corrupt { path, position, .. } => {
            assert!(path.ends_with(file), "{path} is not {file}");
            position
        }
        other => panic!("expected corruption in {file}, got {other}"),
    }
}

fn file_bytes(magic: &Magic, frames: &[Frame]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(MAGIC_BYTES + frames.iter().map(Frame::len).sum::<usize>());
    bytes.extend_from_slice(magic);
    for frame in frames {
        bytes.extend_from_slice(&frame.0);
    }
    bytes
}

/// What walking a framed file found: its whole frames, and where and why the rest is torn.
struct Scan {
    /// Each frame's position and its payload's range.
    frames: Vec<(usize, std::ops::Range<usize>)>,
    /// Bytes of magic and whole frames.
    kept: usize,
    /// Why the bytes past `kept` are a torn write, when there are any.
    torn: Option<&'static str>,
}

impl Scan {
    fn frames<'a>(&'a self, bytes: &'a [u8]) -> impl Iterator<Item = (u64, &'a [u8])> {
        self.frames
            .iter()
            .map(|(position, range)| (*position as u64, &bytes[range.clone()]))
    }
}

/// Walks the frames after the magic, applying the torn-or-damaged rule of the module docs.
fn scan(path: &Path, bytes: &[u8], magic: &Magic) -> Result<Scan> {
    if !has_magic(bytes, magic) {
        return Err(corrupt(
            path,
            0,
            format!(
                "missing file header {:?} (another kind of file, or an unknown format version)",
                String::from_utf8_lossy(magic)
            ),
        ));
    }
    let mut frames = Vec::new();
    let mut position = MAGIC_BYTES;
    let torn = |frames: Vec<_>, kept: usize, reason: &'static str| -> Result<Scan> {
        Ok(Scan {
            frames,
            kept,
            torn: Some(reason),
        })
    };
    while position < bytes.len() {
        let rest = &bytes[position..];
        if rest.len() < FRAME_HEADER_BYTES {
            return torn(frames, position, "frame header cut short");
        }
        let field =
            |at: usize| u32::from_le_bytes([rest[at], rest[at + 1], rest[at + 2], rest[at + 3]]);
        let (length, length_crc, payload_crc) = (field(0), field(4), field(8));
        if crc32c::crc32c(&rest[..4]) != length_crc {
            if rest.iter().all(|b| *b == 0) {
                return torn(frames, position, "zeros to the end of the file");
            }
            return Err(corrupt(path, position as u64, "frame length CRC mismatch"));
        }
        let length = length as usize;
        if length == 0 || length > MAX_FRAME_BYTES {
            return Err(corrupt(
                path,
                position as u64,
                format!("frame length {length} is outside 1..={MAX_FRAME_BYTES}"),
            ));
        }
        let end = position + FRAME_HEADER_BYTES + length;
        if end > bytes.len() {
            return torn(frames, position, "frame cut short");
        }
        let payload = position + FRAME_HEADER_BYTES..end;
        if crc32c::crc32c(&bytes[payload.clone()]) != payload_crc {
            if end == bytes.len() {
                return torn(frames, position, "last frame's payload CRC mismatch");
            }
            return Err(corrupt(path, position as u64, "frame payload CRC mismatch"));
        }
        frames.push((position, payload));
        position = end;
    }
    Ok(Scan {
        frames,
        kept: position,
        torn: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::faults::DiskFault;

    const MAGIC: &Magic = b"FQTEST01";

    fn payloads(count: usize) -> Vec<Vec<u8>> {
        (0..count)
            .map(|i| format!("payload number {i}: {}", "x".repeat(i * 7)).into_bytes())
            .collect()
    }

    fn frames(payloads: &[Vec<u8>]) -> Vec<Frame> {
        payloads.iter().map(|p| Frame::new(p).unwrap()).collect()
    }

    /// The payloads a journal at `path` replays, opening (and so repairing) it.
    fn open_and_read(path: &Path) -> Result<(Journal, Vec<Vec<u8>>)> {
        let mut read = Vec::new();
        let journal = Journal::open(path, MAGIC, |p| {
            read.push(p.to_vec());
            Ok(())
        })?;
        Ok((journal, read))
    }

    /// A journal file holding `payloads`, and where each frame starts (the file's end last).
    fn written(dir: &Path, payloads: &[Vec<u8>]) -> (PathBuf, Vec<u8>, Vec<usize>) {
        let path = dir.join("test.journal");
        let mut journal = Journal::create(&path, MAGIC, &[]).unwrap();
        let mut starts = vec![MAGIC_BYTES];
        for frame in frames(payloads) {
            journal.append_synced(&frame).unwrap();
            starts.push(journal.len() as usize);
        }
        (path.clone(), std::fs::read(&path).unwrap(), starts)
    }

    #[test]
    fn appends_survive_reopen_and_a_missing_file_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.journal");
        let (mut journal, read) = open_and_read(&path).unwrap();
        assert!(read.is_empty());
        assert_eq!(journal.len(), MAGIC_BYTES as u64);
        let payloads = payloads(5);
        for frame in frames(&payloads) {
            journal.append(&frame).unwrap();
        }
        journal.sync().unwrap();
        drop(journal);
        let (journal, read) = open_and_read(&path).unwrap();
        assert_eq!(read, payloads);
        assert_eq!(journal.len(), std::fs::metadata(&path).unwrap().len());
    }

    #[test]
    fn a_torn_last_frame_is_cut_at_every_byte_and_appends_follow_the_good_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let payloads = payloads(4);
        let (path, good, starts) = written(dir.path(), &payloads);
        let last = starts[starts.len() - 2];
        for cut in last..good.len() {
            std::fs::write(&path, &good[..cut]).unwrap();
            let (mut journal, read) = open_and_read(&path).unwrap();
            assert_eq!(read, payloads[..3], "cut at {cut}");
            assert_eq!(std::fs::metadata(&path).unwrap().len(), last as u64);
            journal
                .append_synced(&Frame::new(b"after").unwrap())
                .unwrap();
            drop(journal);
            let (_, read) = open_and_read(&path).unwrap();
            assert_eq!(read.last().unwrap(), b"after", "cut at {cut}");
            assert_eq!(read.len(), 4);
        }
        // A last frame whole in length but with a bad payload (the size landed, the bytes did not).
        let mut damaged = good.clone();
        *damaged.last_mut().unwrap() ^= 0x20;
        std::fs::write(&path, &damaged).unwrap();
        let (_, read) = open_and_read(&path).unwrap();
        assert_eq!(read, payloads[..3]);
    }

    #[test]
    fn zeros_to_the_end_are_torn() {
        let dir = tempfile::tempdir().unwrap();
        let payloads = payloads(3);
        let (path, good, _) = written(dir.path(), &payloads);
        for zeros in [1, FRAME_HEADER_BYTES - 1, FRAME_HEADER_BYTES, 4096] {
            let mut padded = good.clone();
            padded.extend(std::iter::repeat_n(0u8, zeros));
            std::fs::write(&path, &padded).unwrap();
            let (journal, read) = open_and_read(&path).unwrap();
            assert_eq!(read, payloads);
            assert_eq!(journal.len(), good.len() as u64);
        }
    }

    #[test]
    fn a_flipped_byte_before_the_last_frame_is_damage_at_its_frame() {
        let dir = tempfile::tempdir().unwrap();
        let (path, good, starts) = written(dir.path(), &payloads(4));
        let last = starts[starts.len() - 2];
        for at in 0..last {
            let mut damaged = good.clone();
            damaged[at] ^= 0x04;
            std::fs::write(&path, &damaged).unwrap();
            let position = damage_at(open_and_read(&path).unwrap_err(), "test.journal");
            let frame = starts.iter().rev().find(|s| **s <= at).map_or(0, |s| *s);
            let expected = if at < MAGIC_BYTES { 0 } else { frame as u64 };
            assert_eq!(position, expected, "flipped byte at {at}");
            // Damage is never "repaired": the file is left as it was.
            assert_eq!(std::fs::read(&path).unwrap(), damaged);
        }
    }

    #[test]
    fn a_whole_file_is_damaged_by_any_defect() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("whole");
        let payloads = payloads(3);
        write_whole(&path, MAGIC, &frames(&payloads)).unwrap();
        let good = std::fs::read(&path).unwrap();
        let file = FramedFile::parse(&path, good.clone(), MAGIC).unwrap();
        let read: Vec<Vec<u8>> = file.frames().map(|(_, p)| p.to_vec()).collect();
        assert_eq!(read, payloads);
        let mut boundaries = vec![MAGIC_BYTES];
        for frame in frames(&payloads) {
            boundaries.push(boundaries.last().unwrap() + frame.len());
        }
        for cut in 0..good.len() {
            match FramedFile::parse(&path, good[..cut].to_vec(), MAGIC) {
                // Cut at a frame boundary, the frames before it are whole: a caller that must
                // see them all counts them (an end marker, a length in the first frame).
                Ok(file) => {
                    let whole = boundaries.iter().position(|b| *b == cut);
                    assert_eq!(whole, Some(file.frames().count()), "cut at {cut}");
                }
                Err(e) => assert!(matches!(e, StorageError::Corrupt { .. }), "{e}"),
            }
        }
        for at in 0..good.len() {
            let mut damaged = good.clone();
            damaged[at] ^= 0x80;
            assert!(
                FramedFile::parse(&path, damaged, MAGIC).is_err(),
                "flip at {at}"
            );
        }
    }

    #[test]
    fn a_failed_append_is_cut_back_and_the_next_one_lands_after_the_good_prefix() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j");
        let mut journal = Journal::create(&path, MAGIC, &frames(&payloads(1))).unwrap();
        let good_len = journal.len();
        for fault in [DiskFault::NoSpace, DiskFault::ReadOnly] {
            faults::inject(dir.path(), fault);
            assert!(journal.append(&Frame::new(b"lost").unwrap()).is_err());
            faults::clear(dir.path());
            assert_eq!(journal.len(), good_len);
        }
        faults::inject(dir.path(), DiskFault::IoErrorOnFsync);
        assert!(
            journal
                .append_synced(&Frame::new(b"lost").unwrap())
                .is_err()
        );
        faults::clear(dir.path());
        assert_eq!(journal.len(), good_len);
        journal
            .append_synced(&Frame::new(b"kept").unwrap())
            .unwrap();
        drop(journal);
        let (_, read) = open_and_read(&path).unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(read[1], b"kept");
    }

    #[test]
    fn a_bad_payload_reported_by_the_reader_is_damage_at_its_frame() {
        let dir = tempfile::tempdir().unwrap();
        let (path, _, starts) = written(dir.path(), &payloads(3));
        let mut seen = 0;
        let error = Journal::open(&path, MAGIC, |_| {
            seen += 1;
            if seen == 2 {
                Err("not a valid entry".into())
            } else {
                Ok(())
            }
        })
        .unwrap_err();
        assert_eq!(damage_at(error, "test.journal"), starts[1] as u64);
        assert!(Frame::new(&[]).is_err());
        assert!(Frame::new(&vec![0; MAX_FRAME_BYTES + 1]).is_err());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Arbitrary bytes after the magic never panic: they read as whole frames, a torn tail
        /// or damage, and what is kept is always a prefix made of whole frames.
        #[test]
        fn arbitrary_bytes_never_panic(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            let mut bytes = MAGIC.to_vec();
            bytes.extend_from_slice(&tail);
            let path = Path::new("arbitrary");
            if let Ok(kept) = replay(path, &bytes, MAGIC, |_| Ok(())) {
                proptest::prop_assert!(kept as usize <= bytes.len());
                proptest::prop_assert!(kept as usize >= MAGIC_BYTES);
            }
            let _ = FramedFile::parse(path, tail.clone(), MAGIC);
            let _ = replay(path, &tail, MAGIC, |_| Ok(()));
        }

        /// One flipped byte anywhere: damage before the last frame is reported at its frame;
        /// in the last frame it is torn (cut) or damage; never a wrong payload.
        #[test]
        fn a_flipped_byte_is_reported_or_cuts_only_the_last_frame(
            count in 1usize..8,
            at in proptest::prelude::any::<proptest::sample::Index>(),
            bits in 1u8..=255,
        ) {
            let payloads = payloads(count);
            let mut bytes = MAGIC.to_vec();
            let mut starts = vec![MAGIC_BYTES];
            for frame in frames(&payloads) {
                bytes.extend_from_slice(&frame.0);
                starts.push(bytes.len());
            }
            let at = at.index(bytes.len());
            bytes[at] ^= bits;
            let mut read = Vec::new();
            let last = starts[starts.len() - 2];
            match replay(Path::new("p"), &bytes, MAGIC, |p| { read.push(p.to_vec()); Ok(()) }) {
                Ok(kept) => {
                    proptest::prop_assert!(at >= last, "damage at {} before the last frame was read", at);
                    proptest::prop_assert_eq!(kept as usize, last);
                    proptest::prop_assert_eq!(&read[..], &payloads[..count - 1]);
                }
                Err(StorageError::Corrupt { position, .. }) => {
                    let frame = starts.iter().rev().find(|s| **s <= at).copied().unwrap_or(0);
                    let expected = if at < MAGIC_BYTES { 0 } else { frame as u64 };
                    proptest::prop_assert_eq!(position, expected);
                }
                Err(other) => proptest::prop_assert!(false, "unexpected error {}", other),
            }
        }
    }
}
