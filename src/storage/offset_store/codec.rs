//! The payloads of the offsets log and snapshot, to bytes and back (the format is in the
//! module docs of [`super`]).

use super::*;
use crate::storage::Result;
use crate::storage::journal::{Frame, FramedFile};

/// Loads a snapshot (a framed whole file: any defect is corruption). It must end with its end
/// marker, which counts the entries before it, so a snapshot cut at a frame boundary is caught.
pub(super) fn load_snapshot(file: &FramedFile, table: &mut OffsetTable) -> Result<()> {
    let mut entries = 0u64;
    let mut ended = false;
    for (position, payload) in file.frames() {
        if ended {
            return Err(file.corrupt(position, "bytes after the snapshot end marker"));
        }
        match decode_entry(payload).map_err(|reason| file.corrupt(position, reason))? {
            Entry::SnapshotEnd { entries: expected } if expected != entries => {
                return Err(file.corrupt(
                    position,
                    format!("snapshot end marker counts {expected} entries, found {entries}"),
                ));
            }
            Entry::SnapshotEnd { .. } => ended = true,
            Entry::DeleteGroup { .. } | Entry::DeleteTopic { .. } => {
                return Err(file.corrupt(position, "a snapshot holds no deletes"));
            }
            commit => {
                table.apply(&commit);
                entries += 1;
            }
        }
    }
    if !ended {
        return Err(file.corrupt(file.len(), "snapshot ends without its end marker"));
    }
    Ok(())
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(&(text.len() as u32).to_le_bytes());
    out.extend_from_slice(text.as_bytes());
}

/// An entry framed for the journal.
pub(super) fn frame_of(entry: &Entry) -> Result<Frame> {
    let mut payload = Vec::new();
    match entry {
        Entry::Commit { group, offsets } => {
            payload.push(KIND_COMMIT);
            put_str(&mut payload, group);
            payload.extend_from_slice(&(offsets.len() as u32).to_le_bytes());
            for (commit, timestamp_ms) in offsets {
                put_str(&mut payload, &commit.topic);
                payload.extend_from_slice(&commit.partition.to_le_bytes());
                payload.extend_from_slice(&commit.offset.to_le_bytes());
                payload.extend_from_slice(&timestamp_ms.to_le_bytes());
            }
        }
        Entry::DeleteGroup { group } => {
            payload.push(KIND_DELETE_GROUP);
            put_str(&mut payload, group);
        }
        Entry::DeleteTopic { topic } => {
            payload.push(KIND_DELETE_TOPIC);
            put_str(&mut payload, topic);
        }
        Entry::SnapshotEnd { entries } => {
            payload.push(KIND_SNAPSHOT_END);
            payload.extend_from_slice(&entries.to_le_bytes());
        }
    }
    Frame::new(&payload)
}

/// Reads fields off a payload; every read checks the bytes are there.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() < n {
            return Err(format!(
                "entry ends early: wanted {n} more bytes, {} left",
                self.bytes.len()
            ));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u64(&mut self) -> Result<u64, String> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }

    fn string(&mut self) -> Result<String, String> {
        let length = self.u32()? as usize;
        let bytes = self.take(length)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| "a name is not UTF-8".to_string())
    }
}

pub(super) fn decode_entry(payload: &[u8]) -> Result<Entry, String> {
    let mut reader = Reader { bytes: payload };
    let entry = match reader.u8()? {
        KIND_COMMIT => {
            let group = reader.string()?;
            let count = reader.u32()? as usize;
            if count == 0 || count > MAX_OFFSETS_PER_COMMIT {
                return Err(format!(
                    "commit entry holds {count} offsets, outside 1..={MAX_OFFSETS_PER_COMMIT}"
                ));
            }
            let mut offsets = Vec::with_capacity(count);
            for _ in 0..count {
                let topic = reader.string()?;
                let partition = reader.u32()?;
                let offset = reader.u64()?;
                let timestamp_ms = reader.u64()? as i64;
                offsets.push((
                    OffsetCommit {
                        topic,
                        partition,
                        offset,
                    },
                    timestamp_ms,
                ));
            }
            Entry::Commit { group, offsets }
        }
        KIND_DELETE_GROUP => Entry::DeleteGroup {
            group: reader.string()?,
        },
        KIND_DELETE_TOPIC => Entry::DeleteTopic {
            topic: reader.string()?,
        },
        KIND_SNAPSHOT_END => Entry::SnapshotEnd {
            entries: reader.u64()?,
        },
        other => return Err(format!("unknown entry kind {other}")),
    };
    if !reader.bytes.is_empty() {
        return Err(format!(
            "{} unexpected bytes after the entry",
            reader.bytes.len()
        ));
    }
    Ok(entry)
}
