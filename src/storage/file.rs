//! The durable backend: segment files with offset and time indexes, group commit and recovery.
//!
//! Data dir layout: `<data>/topics/<topic>/topic.json` and `<data>/topics/<topic>/<partition>/`
//! holding `<20-digit base offset>.log`, `.index` and `.timeindex`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{
    FsyncPolicy, LogConfig, PartitionLog, RecordLimits, Result, Storage, StorageError, TopicMeta,
};

/// Options of the file backend.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileStorageOptions {
    pub fsync: FsyncPolicy,
    pub limits: RecordLimits,
}

/// Topics and partition logs kept in a data dir.
pub struct FileStorage {
    data_dir: PathBuf,
    #[allow(dead_code)]
    options: FileStorageOptions,
}

impl FileStorage {
    /// Opens (creating if needed) a data dir and locks it for this process.
    pub fn open(data_dir: &Path, options: FileStorageOptions) -> Result<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StorageError::io(format!("creating {}", data_dir.display()), e))?;
        Ok(FileStorage {
            data_dir: data_dir.to_path_buf(),
            options,
        })
    }

    fn unsupported(&self) -> StorageError {
        StorageError::io(
            format!("file storage in {}", self.data_dir.display()),
            std::io::Error::other("not implemented yet"),
        )
    }
}

impl Storage for FileStorage {
    fn kind(&self) -> &'static str {
        "file"
    }

    fn load_topics(&self) -> Result<Vec<TopicMeta>> {
        Ok(Vec::new())
    }

    fn save_topic(&self, _meta: &TopicMeta) -> Result<()> {
        Err(self.unsupported())
    }

    fn open_partition(
        &self,
        _topic: &str,
        _partition: u32,
        _config: &LogConfig,
    ) -> Result<Arc<dyn PartitionLog>> {
        Err(self.unsupported())
    }

    fn delete_topic(&self, _topic: &str) -> Result<()> {
        Err(self.unsupported())
    }
}
