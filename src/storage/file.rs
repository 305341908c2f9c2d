//! The durable backend: segment files with offset and time indexes, group commit and recovery.
//!
//! Data dir layout (docs/storage.md has the details):
//! - `<data>/.lock`: held with an exclusive file lock for the backend's lifetime, so one broker
//!   owns a data dir; the OS releases it when the process dies, so a stale lock never blocks.
//! - `<data>/topics/<topic>/topic.json`: the topic's metadata, replaced crash-safely.
//! - `<data>/topics/<topic>/<partition>/`: `<20-digit base offset>.log`, `.index`, `.timeindex`,
//!   plus `recovery-point` and, after a clean close, `clean-shutdown`.
//! - `<data>/topics/.deleted-<nanos>-<n>`: a deleted topic's dir on its way out (renamed first so the
//!   name is free at once; removed at the next open if a crash interrupted the removal).

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use super::deferred_log::DeferredLog;
use super::durable::{sync_dir, write_atomically};
use super::recovery::Verify;
use super::{
    FsyncPolicy, LogConfig, PartitionLog, RecordLimits, Result, Storage, StorageError, TopicMeta,
};

/// Name of the lock file in the data dir.
pub const LOCK_FILE: &str = ".lock";
/// Name of the topic metadata file in a topic dir.
pub const TOPIC_META_FILE: &str = "topic.json";
/// Prefix of topic dirs being deleted.
const DELETED_PREFIX: &str = ".deleted-";

/// Deletions so far in this process, to tell apart two trash dirs made in the same nanosecond.
static DELETIONS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Options of the file backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileStorageOptions {
    pub fsync: FsyncPolicy,
    pub limits: RecordLimits,
    /// How much of each partition log is checked when it is opened.
    pub verify: Verify,
}

/// The file in the data dir holding the first producer id not yet handed out.
pub const PRODUCER_IDS_FILE: &str = "producer-ids";

/// Topics and partition logs kept in a data dir.
pub struct FileStorage {
    data_dir: PathBuf,
    options: FileStorageOptions,
    /// Held (locked) for the backend's lifetime; dropping it releases the lock.
    _lock: File,
    /// Logs opened so far, so a partition is never open twice in one process.
    logs: Mutex<HashMap<(String, u32), Weak<DeferredLog>>>,
}

impl FileStorage {
    /// Opens (creating if needed) a data dir and locks it for this process.
    pub fn open(data_dir: &Path, options: FileStorageOptions) -> Result<Self> {
        std::fs::create_dir_all(data_dir.join("topics"))
            .map_err(|e| StorageError::io(format!("creating {}", data_dir.display()), e))?;
        let lock_path = data_dir.join(LOCK_FILE);
        let lock = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(|e| StorageError::io(format!("opening {}", lock_path.display()), e))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StorageError::DirLocked {
                    path: data_dir.display().to_string(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(StorageError::io(
                    format!("locking {}", lock_path.display()),
                    e,
                ));
            }
        }
        let storage = FileStorage {
            data_dir: data_dir.to_path_buf(),
            options,
            _lock: lock,
            logs: Mutex::new(HashMap::new()),
        };
        storage.remove_deleted_leftovers()?;
        Ok(storage)
    }

    /// The data dir.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    fn topics_dir(&self) -> PathBuf {
        self.data_dir.join("topics")
    }

    fn topic_dir(&self, topic: &str) -> Result<PathBuf> {
        validate_topic_name(topic)?;
        Ok(self.topics_dir().join(topic))
    }

    /// The dir of one partition's log.
    pub fn partition_dir(&self, topic: &str, partition: u32) -> Result<PathBuf> {
        Ok(self.topic_dir(topic)?.join(partition.to_string()))
    }

    fn logs(&self) -> MutexGuard<'_, HashMap<(String, u32), Weak<DeferredLog>>> {
        self.logs.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Finishes deletions a crash interrupted.
    fn remove_deleted_leftovers(&self) -> Result<()> {
        let topics = self.topics_dir();
        let entries = std::fs::read_dir(&topics)
            .map_err(|e| StorageError::io(format!("listing {}", topics.display()), e))?;
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(DELETED_PREFIX)
            {
                remove_trash(&entry.path())?;
            }
        }
        Ok(())
    }
}

/// Removes a deleted topic's dir; one already removed (by a thread of an earlier open in this
/// process) is no error.
fn remove_trash(path: &Path) -> Result<()> {
    match std::fs::remove_dir_all(path) {
        Err(e) if path.exists() => Err(StorageError::io(format!("removing {}", path.display()), e)),
        _ => Ok(()),
    }
}

/// Rejects names that are not a single safe path component: the rule of [`super::names`].
fn validate_topic_name(name: &str) -> Result<()> {
    super::names::validate_name("topic", name).map_err(|reason| StorageError::InvalidName {
        name: name.to_string(),
        reason,
    })
}

impl Storage for FileStorage {
    fn kind(&self) -> &'static str {
        "file"
    }

    fn load_topics(&self) -> Result<Vec<TopicMeta>> {
        let topics = self.topics_dir();
        let entries = std::fs::read_dir(&topics)
            .map_err(|e| StorageError::io(format!("listing {}", topics.display()), e))?;
        let mut metas = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(|e| StorageError::io(format!("listing {}", topics.display()), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.path().is_dir() {
                continue;
            }
            let path = entry.path().join(TOPIC_META_FILE);
            let bytes = match std::fs::read(&path) {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    // save_topic creates the dir just before the file: a crash between the two
                    // leaves a dir no caller was ever told exists.
                    tracing::warn!(dir = %entry.path().display(), "topic dir without topic.json; ignored");
                    continue;
                }
                Err(e) => return Err(StorageError::io(format!("reading {}", path.display()), e)),
            };
            let meta: TopicMeta =
                serde_json::from_slice(&bytes).map_err(|e| StorageError::Corrupt {
                    path: path.display().to_string(),
                    position: 0,
                    reason: format!("not valid topic metadata: {e}"),
                })?;
            if meta.name != name {
                return Err(StorageError::Corrupt {
                    path: path.display().to_string(),
                    position: 0,
                    reason: format!("names topic {:?} but lives in dir {name:?}", meta.name),
                });
            }
            metas.push(meta);
        }
        metas.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(metas)
    }

    fn save_topic(&self, meta: &TopicMeta) -> Result<()> {
        let dir = self.topic_dir(&meta.name)?;
        if !dir.exists() {
            std::fs::create_dir_all(&dir)
                .map_err(|e| StorageError::io(format!("creating {}", dir.display()), e))?;
            sync_dir(&self.topics_dir())?;
        }
        let json = serde_json::to_vec_pretty(meta)
            .map_err(|e| StorageError::io("encoding topic metadata", std::io::Error::other(e)))?;
        write_atomically(&dir.join(TOPIC_META_FILE), &json)
    }

    fn reserve_producer_ids(&self, count: u64) -> Result<i64> {
        let path = self.data_dir.join(PRODUCER_IDS_FILE);
        // Serialised with every other reservation: the data dir lock keeps other processes out.
        let _reserving = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        let first = match std::fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .parse::<i64>()
                .map_err(|e| StorageError::Corrupt {
                    path: path.display().to_string(),
                    position: 0,
                    reason: format!("not a producer id: {e}"),
                })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(StorageError::io(format!("reading {}", path.display()), e)),
        };
        let next = first.saturating_add(count as i64);
        write_atomically(&path, format!("{next}\n").as_bytes())?;
        Ok(first)
    }

    fn open_partition(
        &self,
        topic: &str,
        partition: u32,
        config: &LogConfig,
    ) -> Result<Arc<dyn PartitionLog>> {
        let dir = self.partition_dir(topic, partition)?;
        let mut logs = self.logs();
        let key = (topic.to_string(), partition);
        if let Some(log) = logs.get(&key).and_then(Weak::upgrade)
            && !log.is_closed()
        {
            return Ok(log);
        }
        let log = Arc::new(DeferredLog::open(
            &dir,
            *config,
            self.options.limits,
            self.options.fsync,
            self.options.verify,
        )?);
        logs.insert(key, Arc::downgrade(&log));
        Ok(log)
    }

    fn delete_topic(&self, topic: &str) -> Result<()> {
        let dir = self.topic_dir(topic)?;
        self.logs().retain(|(name, _), _| name != topic);
        if !dir.exists() {
            return Ok(());
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // Not named after the topic: a name of MAX_NAME_BYTES plus the prefix would not fit in
        // a path component.
        let trash = self.topics_dir().join(format!(
            "{DELETED_PREFIX}{nanos}-{}",
            DELETIONS.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        std::fs::rename(&dir, &trash)
            .map_err(|e| StorageError::io(format!("renaming {} away", dir.display()), e))?;
        // The rename is the deletion: once durable, the topic is gone after any crash (the next
        // open removes what is left). Removing thousands of files is left to a thread, so the
        // caller is answered now.
        sync_dir(&self.topics_dir())?;
        std::thread::spawn(move || {
            if let Err(e) = remove_trash(&trash) {
                tracing::warn!(dir = %trash.display(), error = %e, "cannot remove a deleted topic's files; the next start tries again");
            }
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_of_the_same_dir_fails_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let first = FileStorage::open(dir.path(), FileStorageOptions::default()).unwrap();
        let second = FileStorage::open(dir.path(), FileStorageOptions::default());
        assert!(matches!(second, Err(StorageError::DirLocked { .. })));
        drop(first);
        FileStorage::open(dir.path(), FileStorageOptions::default()).unwrap();
    }

    #[test]
    fn a_corrupt_topic_json_is_an_error_not_a_missing_topic() {
        let dir = tempfile::tempdir().unwrap();
        let storage = FileStorage::open(dir.path(), FileStorageOptions::default()).unwrap();
        let meta = TopicMeta {
            name: "orders".into(),
            partitions: 3,
            config: LogConfig::default(),
        };
        storage.save_topic(&meta).unwrap();
        assert_eq!(storage.load_topics().unwrap(), vec![meta]);
        let path = dir.path().join("topics/orders/topic.json");
        std::fs::write(&path, b"{\"name\": \"orders\", \"partit").unwrap();
        match storage.load_topics() {
            Err(StorageError::Corrupt { path: p, .. }) => assert!(p.ends_with("topic.json")),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn topic_names_cannot_escape_the_data_dir() {
        for bad in ["", "..", "../x", "a/b", ".hidden", "a\0b"] {
            assert!(validate_topic_name(bad).is_err(), "{bad:?}");
        }
        validate_topic_name("orders.v1_eu-west").unwrap();
    }
}
