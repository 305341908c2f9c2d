//! Committed consumer-group offsets, kept durably: an append-only log of CRC-checked entries,
//! compacted into a snapshot once the log grows past a threshold.
//!
//! This module knows groups, topics and partitions only as opaque strings and numbers; it does
//! not validate names (the broker does) and never builds a path from one. Every string is
//! length-prefixed in the files, so any name round-trips: there is no separator to collide with.
//!
//! Files in the groups dir (`<data>/groups/` for the file backend):
//!
//! - `offsets.snapshot`: the whole state at the last compaction, written to a temp file,
//!   fsynced, renamed into place, then the directory fsynced. Any defect in it is corruption.
//! - `offsets.log`: entries appended since that snapshot, each fsynced before a commit returns
//!   (group commit: concurrent commits share one fsync; memory shows only fsynced entries).
//!   A torn last entry (a crash mid-append, never acknowledged) is cut off at startup; a bad
//!   entry anywhere before the end is corruption, reported, never skipped.
//!
//! Both are [`super::journal`] files: an 8-byte magic naming the file kind and format version
//! (`FQOFFLG1`, `FQOFFSN1`), then entries framed as `u32 payload length | u32 CRC32C of the length
//! bytes | u32 CRC32C of the payload | payload` (little-endian). The journal tells a torn last
//! entry from damage; this module says what the payloads mean.
//! Payload kinds: `1` commit (`str group | u32 n | n × (str topic | u32 partition | u64 offset |
//! i64 commit time ms)`), `2` delete group (`str group`), `3` snapshot end (`u64 entries`, only
//! the last entry of a snapshot, so a short snapshot is detected), `4` delete topic (`str topic`:
//! its offsets in every group). `str` is `u32 length | UTF-8`.
//!
//! Replaying the log over a snapshot that already contains it gives the same state (a commit sets
//! absolute offsets; a delete removes the whole group), so a crash between writing the snapshot and
//! starting the new log loses nothing and invents nothing.

use std::collections::BTreeMap;
use std::sync::Mutex;

use super::journal::Magic;
use super::{Result, StorageError};

mod codec;
mod file;
mod memory;

pub use file::{FileOffsetStore, FileOffsetStoreOptions};
pub use memory::MemoryOffsetStore;

/// Magic opening an offsets log, format version 1.
const LOG_MAGIC: &Magic = b"FQOFFLG1";
/// Magic opening an offsets snapshot, format version 1.
const SNAPSHOT_MAGIC: &Magic = b"FQOFFSN1";
/// The most offsets one commit may carry (also the chunk size of snapshot entries).
pub const MAX_OFFSETS_PER_COMMIT: usize = 100_000;
/// The log size past which it is compacted into a snapshot, by default.
pub const DEFAULT_COMPACT_LOG_BYTES: u64 = 4 * 1024 * 1024;

const KIND_COMMIT: u8 = 1;
const KIND_DELETE_GROUP: u8 = 2;
const KIND_SNAPSHOT_END: u8 = 3;
const KIND_DELETE_TOPIC: u8 = 4;

const LOG_FILE: &str = "offsets.log";
const SNAPSHOT_FILE: &str = "offsets.snapshot";

/// One offset to commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetCommit {
    pub topic: String,
    pub partition: u32,
    /// The next offset the group will read (one past the last record processed), like Kafka.
    pub offset: u64,
}

/// A committed offset and when it was committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommittedOffset {
    pub offset: u64,
    /// Milliseconds since the Unix epoch, by the broker's clock.
    pub commit_timestamp_ms: i64,
}

/// A group's committed offsets by (topic, partition).
pub type GroupOffsets = BTreeMap<(String, u32), CommittedOffset>;

/// Where committed offsets are kept. Writes return only once durable (for the file store:
/// fsynced); a write that fails leaves the stored state as it was. Reads never touch the disk.
pub trait OffsetStore: Send + Sync {
    /// A short name for logs: "file" or "memory".
    fn kind(&self) -> &'static str;

    /// Every group with at least one committed offset.
    fn groups(&self) -> Vec<String>;

    /// A group's committed offsets; `None` when it has none.
    fn offsets(&self, group: &str) -> Option<GroupOffsets>;

    /// Records `commits` for `group` atomically (all or none) with the commit time `timestamp_ms`.
    fn commit(&self, group: &str, commits: &[OffsetCommit], timestamp_ms: i64) -> Result<()>;

    /// Deletes every committed offset of `group`; returns whether it had any.
    fn delete_group(&self, group: &str) -> Result<bool>;

    /// Deletes every group's committed offsets on `topic` (the topic was deleted, and a topic
    /// created later under its name must not inherit them); returns how many groups had some.
    /// A group left with no offsets is gone.
    fn delete_topic(&self, topic: &str) -> Result<usize>;

    /// Flushes and compacts what can be; later writes fail with [`StorageError::Closed`].
    fn close(&self) -> Result<()>;
}

/// The state both stores keep in memory: groups to their offsets.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct OffsetTable {
    groups: BTreeMap<String, GroupOffsets>,
}

/// One change to the table, as logged.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Entry {
    Commit {
        group: String,
        offsets: Vec<(OffsetCommit, i64)>,
    },
    DeleteGroup {
        group: String,
    },
    DeleteTopic {
        topic: String,
    },
    SnapshotEnd {
        entries: u64,
    },
}

impl OffsetTable {
    fn apply(&mut self, entry: &Entry) {
        match entry {
            Entry::Commit { group, offsets } => {
                let stored = self.groups.entry(group.clone()).or_default();
                for (commit, timestamp_ms) in offsets {
                    stored.insert(
                        (commit.topic.clone(), commit.partition),
                        CommittedOffset {
                            offset: commit.offset,
                            commit_timestamp_ms: *timestamp_ms,
                        },
                    );
                }
            }
            Entry::DeleteGroup { group } => {
                self.groups.remove(group);
            }
            Entry::DeleteTopic { topic } => {
                for offsets in self.groups.values_mut() {
                    offsets.retain(|(t, _), _| t != topic);
                }
                self.groups.retain(|_, offsets| !offsets.is_empty());
            }
            Entry::SnapshotEnd { .. } => {}
        }
    }

    /// How many groups have offsets on `topic`.
    fn groups_on_topic(&self, topic: &str) -> usize {
        self.groups
            .values()
            .filter(|offsets| offsets.keys().any(|(t, _)| t == topic))
            .count()
    }

    /// The table as commit entries, at most [`MAX_OFFSETS_PER_COMMIT`] offsets each.
    fn to_entries(&self) -> Vec<Entry> {
        let mut entries = Vec::new();
        for (group, offsets) in &self.groups {
            let all: Vec<(OffsetCommit, i64)> = offsets
                .iter()
                .map(|((topic, partition), committed)| {
                    (
                        OffsetCommit {
                            topic: topic.clone(),
                            partition: *partition,
                            offset: committed.offset,
                        },
                        committed.commit_timestamp_ms,
                    )
                })
                .collect();
            for chunk in all.chunks(MAX_OFFSETS_PER_COMMIT) {
                entries.push(Entry::Commit {
                    group: group.clone(),
                    offsets: chunk.to_vec(),
                });
            }
        }
        entries
    }
}

fn check_commit(commits: &[OffsetCommit]) -> Result<()> {
    if commits.is_empty() || commits.len() > MAX_OFFSETS_PER_COMMIT {
        return Err(StorageError::io(
            "committing offsets",
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!(
                    "a commit must carry between 1 and {MAX_OFFSETS_PER_COMMIT} offsets, got {}",
                    commits.len()
                ),
            ),
        ));
    }
    Ok(())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding the lock leaves the table as it was before the change.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads a whole file, for tests that damage one.
#[cfg(test)]
fn read_all(path: &std::path::Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[cfg(test)]
mod tests {
    use super::codec::frame_of;
    use super::*;
    use crate::storage::faults;
    use crate::storage::journal::FRAME_HEADER_BYTES;
    use std::path::Path;
    use std::sync::Arc;

    fn commit(topic: &str, partition: u32, offset: u64) -> OffsetCommit {
        OffsetCommit {
            topic: topic.to_string(),
            partition,
            offset,
        }
    }

    fn open(dir: &Path) -> FileOffsetStore {
        FileOffsetStore::open(dir, FileOffsetStoreOptions::default()).unwrap()
    }

    #[test]
    fn commits_survive_reopen_and_any_name_round_trips() {
        let temp = tempfile::tempdir().unwrap();
        // Names the original FlashQ broke with its `--` separator, and worse.
        let names = [
            "a--b",
            "a",
            "--",
            "orders--0",
            "x/y",
            "naïve",
            "",
            "a\u{0}b",
        ];
        {
            let store = open(temp.path());
            for (i, group) in names.iter().enumerate() {
                for topic in names {
                    store
                        .commit(group, &[commit(topic, i as u32, 10 + i as u64)], 7)
                        .unwrap();
                }
            }
        }
        let store = open(temp.path());
        let mut groups = store.groups();
        groups.sort();
        let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        want.sort();
        assert_eq!(groups, want);
        for (i, group) in names.iter().enumerate() {
            let offsets = store.offsets(group).unwrap();
            assert_eq!(offsets.len(), names.len());
            for topic in names {
                assert_eq!(
                    offsets[&(topic.to_string(), i as u32)],
                    CommittedOffset {
                        offset: 10 + i as u64,
                        commit_timestamp_ms: 7
                    }
                );
            }
        }
    }

    #[test]
    fn deletes_are_durable_through_the_log_and_through_compaction() {
        let temp = tempfile::tempdir().unwrap();
        {
            let store = open(temp.path());
            store.commit("gone", &[commit("t", 0, 5)], 1).unwrap();
            store.commit("kept", &[commit("t", 0, 6)], 1).unwrap();
            assert!(store.delete_group("gone").unwrap());
            assert!(!store.delete_group("never").unwrap());
            // No close: as after SIGKILL, only the log holds the delete.
        }
        let store = open(temp.path());
        assert_eq!(store.groups(), vec!["kept".to_string()]);
        store.close().unwrap();
        // After a clean close the state lives in the snapshot.
        let store = open(temp.path());
        assert_eq!(store.groups(), vec!["kept".to_string()]);
        assert_eq!(store.log_bytes(), LOG_MAGIC.len() as u64);
    }

    #[test]
    fn deleting_a_topic_removes_its_offsets_from_every_group_durably() {
        let temp = tempfile::tempdir().unwrap();
        {
            let store = open(temp.path());
            store
                .commit("both", &[commit("gone", 0, 1), commit("kept", 0, 2)], 1)
                .unwrap();
            store
                .commit("only-gone", &[commit("gone", 1, 3)], 1)
                .unwrap();
            store.commit("other", &[commit("kept", 0, 4)], 1).unwrap();
            assert_eq!(store.delete_topic("gone").unwrap(), 2);
            assert_eq!(store.delete_topic("gone").unwrap(), 0);
        }
        for _ in 0..2 {
            // Once replayed from the log, once from the snapshot a clean close wrote.
            let store = open(temp.path());
            assert_eq!(
                store.groups(),
                vec!["both".to_string(), "other".to_string()]
            );
            let both = store.offsets("both").unwrap();
            assert_eq!(both.len(), 1);
            assert_eq!(both[&("kept".to_string(), 0)].offset, 2);
            store.close().unwrap();
        }
        let memory = MemoryOffsetStore::new();
        memory.commit("g", &[commit("gone", 0, 1)], 1).unwrap();
        assert_eq!(memory.delete_topic("gone").unwrap(), 1);
        assert!(memory.groups().is_empty());
    }

    #[test]
    fn compaction_keeps_the_latest_offsets_and_shrinks_the_log() {
        let temp = tempfile::tempdir().unwrap();
        let options = FileOffsetStoreOptions {
            compact_log_bytes: 2048,
        };
        {
            let store = FileOffsetStore::open(temp.path(), options).unwrap();
            for i in 0..500u64 {
                store
                    .commit("g", &[commit("t", (i % 3) as u32, i)], i as i64)
                    .unwrap();
                assert!(store.log_bytes() <= 2048 + 100);
            }
            store.delete_group("never-there").unwrap();
        }
        assert!(temp.path().join(SNAPSHOT_FILE).exists());
        let store = FileOffsetStore::open(temp.path(), options).unwrap();
        let offsets = store.offsets("g").unwrap();
        assert_eq!(offsets[&("t".to_string(), 0)].offset, 498);
        assert_eq!(offsets[&("t".to_string(), 1)].offset, 499);
        assert_eq!(offsets[&("t".to_string(), 2)].offset, 497);
    }

    #[test]
    fn replaying_an_old_log_over_a_newer_snapshot_changes_nothing() {
        // A crash after the snapshot rename but before the new log: both hold the same changes.
        let temp = tempfile::tempdir().unwrap();
        let store = open(temp.path());
        store.commit("g", &[commit("t", 0, 1)], 1).unwrap();
        store.delete_group("g").unwrap();
        store.commit("g", &[commit("t", 1, 2)], 2).unwrap();
        store.commit("h", &[commit("t", 0, 3)], 3).unwrap();
        let log = read_all(&temp.path().join(LOG_FILE));
        store.close().unwrap();
        std::fs::write(temp.path().join(LOG_FILE), log).unwrap();
        let store = open(temp.path());
        assert_eq!(store.groups(), vec!["g".to_string(), "h".to_string()]);
        let g = store.offsets("g").unwrap();
        assert_eq!(g.len(), 1);
        assert_eq!(g[&("t".to_string(), 1)].offset, 2);
    }

    #[test]
    fn a_torn_last_entry_is_cut_but_damage_before_the_end_is_reported() {
        let temp = tempfile::tempdir().unwrap();
        {
            let store = open(temp.path());
            store.commit("g", &[commit("t", 0, 1)], 1).unwrap();
            store.commit("g", &[commit("t", 0, 2)], 2).unwrap();
        }
        let path = temp.path().join(LOG_FILE);
        let good = read_all(&path);

        // A crash mid-append: the last entry is only partly there.
        std::fs::write(&path, &good[..good.len() - 3]).unwrap();
        let store = open(temp.path());
        assert_eq!(store.offsets("g").unwrap()[&("t".to_string(), 0)].offset, 1);
        drop(store);

        // A crash that left the file longer, filled with zeros: cut as well.
        let mut zero_tail = good.clone();
        zero_tail.extend_from_slice(&[0u8; 37]);
        std::fs::write(&path, &zero_tail).unwrap();
        let store = open(temp.path());
        assert_eq!(store.offsets("g").unwrap()[&("t".to_string(), 0)].offset, 2);
        assert_eq!(store.log_bytes(), good.len() as u64);
        drop(store);

        // A flipped byte in the first entry, with a good entry after it: corruption.
        let mut damaged = good.clone();
        damaged[LOG_MAGIC.len() + FRAME_HEADER_BYTES + 3] ^= 0x40;
        std::fs::write(&path, &damaged).unwrap();
        let error = FileOffsetStore::open(temp.path(), FileOffsetStoreOptions::default())
            .err()
            .expect("corruption must be reported");
        assert!(matches!(error, StorageError::Corrupt { .. }), "{error}");

        // A length field past the limit: corruption, never a huge allocation.
        let mut damaged = good.clone();
        damaged[LOG_MAGIC.len()..LOG_MAGIC.len() + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        std::fs::write(&path, &damaged).unwrap();
        assert!(matches!(
            FileOffsetStore::open(temp.path(), FileOffsetStoreOptions::default()),
            Err(StorageError::Corrupt { .. })
        ));

        // Not an offsets file at all.
        std::fs::write(&path, b"garbage!garbage!").unwrap();
        assert!(matches!(
            FileOffsetStore::open(temp.path(), FileOffsetStoreOptions::default()),
            Err(StorageError::Corrupt { .. })
        ));
    }

    #[test]
    fn a_damaged_snapshot_is_reported_never_read_as_empty() {
        let temp = tempfile::tempdir().unwrap();
        {
            let store = open(temp.path());
            store.commit("g", &[commit("t", 0, 1)], 1).unwrap();
            store.close().unwrap();
        }
        let path = temp.path().join(SNAPSHOT_FILE);
        let good = read_all(&path);
        for cut in [good.len() - 1, good.len() - FRAME_HEADER_BYTES - 9, 4] {
            std::fs::write(&path, &good[..cut]).unwrap();
            assert!(
                matches!(
                    FileOffsetStore::open(temp.path(), FileOffsetStoreOptions::default()),
                    Err(StorageError::Corrupt { .. })
                ),
                "snapshot cut at {cut} was accepted"
            );
        }
        for at in SNAPSHOT_MAGIC.len()..good.len() {
            let mut damaged = good.clone();
            damaged[at] ^= 0x01;
            std::fs::write(&path, &damaged).unwrap();
            assert!(
                FileOffsetStore::open(temp.path(), FileOffsetStoreOptions::default()).is_err(),
                "flipped bit at {at} was accepted"
            );
        }
    }

    #[test]
    fn a_failed_save_fails_the_commit_and_changes_nothing() {
        let temp = tempfile::tempdir().unwrap();
        let store = open(temp.path());
        store.commit("g", &[commit("t", 0, 1)], 1).unwrap();
        faults::inject(temp.path(), faults::DiskFault::NoSpace);
        let error = store.commit("g", &[commit("t", 0, 2)], 2).unwrap_err();
        faults::clear(temp.path());
        assert!(matches!(error, StorageError::NoSpace(_)), "{error}");
        assert_eq!(store.offsets("g").unwrap()[&("t".to_string(), 0)].offset, 1);
        // The log is still clean: the next commit works and everything reads back.
        store.commit("g", &[commit("t", 0, 3)], 3).unwrap();
        drop(store);
        let store = open(temp.path());
        assert_eq!(store.offsets("g").unwrap()[&("t".to_string(), 0)].offset, 3);
    }

    #[test]
    fn concurrent_commits_share_fsyncs_and_apply_in_log_order() {
        let temp = tempfile::tempdir().unwrap();
        let store = Arc::new(
            FileOffsetStore::open(
                temp.path(),
                FileOffsetStoreOptions {
                    compact_log_bytes: 4096,
                },
            )
            .unwrap(),
        );
        let threads: Vec<_> = (0..8u64)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for i in 0..40u64 {
                        // One key every thread fights over, and one of its own.
                        store
                            .commit("shared", &[commit("t", 0, t * 1000 + i)], 1)
                            .unwrap();
                        store
                            .commit(&format!("own-{t}"), &[commit("t", 0, i)], 1)
                            .unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let winner = store.offsets("shared").unwrap()[&("t".to_string(), 0)].offset;
        assert_eq!(winner % 1000, 39, "the last commit of some thread wins");
        drop(store);
        // What the log replays (in log order) is what was applied in memory.
        let store = open(temp.path());
        assert_eq!(
            store.offsets("shared").unwrap()[&("t".to_string(), 0)].offset,
            winner
        );
        for t in 0..8 {
            assert_eq!(
                store.offsets(&format!("own-{t}")).unwrap()[&("t".to_string(), 0)].offset,
                39
            );
        }
    }

    #[test]
    fn closed_store_rejects_writes_and_empty_commits_are_rejected() {
        let temp = tempfile::tempdir().unwrap();
        let store = open(temp.path());
        assert!(store.commit("g", &[], 1).is_err());
        store.close().unwrap();
        assert!(matches!(
            store.commit("g", &[commit("t", 0, 1)], 1),
            Err(StorageError::Closed)
        ));
    }

    /// The log a sequence of commits writes, the frame boundaries in it, and the state after
    /// each prefix of the commits.
    fn written_log(commits: &[(u8, u32, u64)]) -> (Vec<u8>, Vec<usize>, Vec<OffsetTable>) {
        let temp = tempfile::tempdir().unwrap();
        let store = open(temp.path());
        let mut ends = Vec::new();
        let mut states = vec![OffsetTable::default()];
        let mut position = LOG_MAGIC.len();
        for (group, partition, offset) in commits {
            let entry = Entry::Commit {
                group: format!("g{group}"),
                offsets: vec![(commit("t", *partition, *offset), 0)],
            };
            store
                .commit(&format!("g{group}"), &[commit("t", *partition, *offset)], 0)
                .unwrap();
            position += frame_of(&entry).unwrap().len();
            ends.push(position);
            let mut next = states.last().unwrap().clone();
            next.apply(&entry);
            states.push(next);
        }
        drop(store);
        (read_all(&temp.path().join(LOG_FILE)), ends, states)
    }

    fn state_of(store: &FileOffsetStore) -> OffsetTable {
        OffsetTable {
            groups: store
                .groups()
                .into_iter()
                .map(|g| {
                    let offsets = store.offsets(&g).unwrap();
                    (g, offsets)
                })
                .collect(),
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

        /// Any flipped byte is reported as corruption, except in the last entry, which may be a
        /// torn append and is cut: never a wrong offset, never a silent loss of earlier entries.
        #[test]
        fn a_damaged_byte_is_reported_or_cuts_only_the_last_entry(
            commits in proptest::collection::vec((0u8..3, 0u32..4, 0u64..1000), 1..12),
            at in proptest::prelude::any::<proptest::sample::Index>(),
            bits in 1u8..=255,
        ) {
            let (good, ends, states) = written_log(&commits);
            let at = at.index(good.len());
            let mut damaged = good.clone();
            damaged[at] ^= bits;
            let temp = tempfile::tempdir().unwrap();
            std::fs::write(temp.path().join(LOG_FILE), &damaged).unwrap();
            match FileOffsetStore::open(temp.path(), FileOffsetStoreOptions::default()) {
                Err(StorageError::Corrupt { .. }) => {}
                Err(other) => proptest::prop_assert!(false, "unexpected error {other}"),
                Ok(store) => {
                    let last_start = ends.len().checked_sub(2).map_or(LOG_MAGIC.len(), |i| ends[i]);
                    proptest::prop_assert!(at >= last_start, "damage at {at} before the last entry was accepted");
                    proptest::prop_assert_eq!(state_of(&store), states[states.len() - 2].clone());
                }
            }
        }

        /// A log cut anywhere (a crash mid-append) opens with exactly the whole entries before the cut.
        #[test]
        fn a_truncated_log_keeps_exactly_the_whole_entries(
            commits in proptest::collection::vec((0u8..3, 0u32..4, 0u64..1000), 1..12),
            cut in proptest::prelude::any::<proptest::sample::Index>(),
        ) {
            let (good, ends, states) = written_log(&commits);
            let cut = LOG_MAGIC.len() + cut.index(good.len() - LOG_MAGIC.len() + 1);
            let temp = tempfile::tempdir().unwrap();
            std::fs::write(temp.path().join(LOG_FILE), &good[..cut]).unwrap();
            let store = FileOffsetStore::open(temp.path(), FileOffsetStoreOptions::default()).unwrap();
            let whole = ends.iter().filter(|end| **end <= cut).count();
            proptest::prop_assert_eq!(state_of(&store), states[whole].clone());
        }
    }

    #[test]
    fn memory_store_follows_the_same_contract() {
        let store = MemoryOffsetStore::new();
        store.commit("a--b", &[commit("t--0", 1, 4)], 9).unwrap();
        assert_eq!(store.groups(), vec!["a--b".to_string()]);
        assert_eq!(
            store.offsets("a--b").unwrap()[&("t--0".to_string(), 1)].offset,
            4
        );
        assert!(store.delete_group("a--b").unwrap());
        assert!(store.offsets("a--b").is_none());
    }
}
