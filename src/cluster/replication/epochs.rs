//! The leader-epoch histories kept across restarts (`leader-epochs.json`).

use std::collections::BTreeMap;

use crate::broker::replica::EpochStart;
use crate::storage::StorageError;
use crate::storage::journal::{self, Frame, FramedFile};

use super::*;

/// Reads the leader-epoch histories at `path`: `Ok(None)` when there is no file, and whether
/// it is in format 0 (to be rewritten). Damage is [`StorageError::Corrupt`] naming the byte.
pub(super) fn read_epochs(
    path: &std::path::Path,
) -> crate::storage::Result<Option<(EpochHistories, bool)>> {
    let Some(bytes) = journal::read_if_exists(path)? else {
        return Ok(None);
    };
    if !journal::has_magic(&bytes, EPOCHS_MAGIC) {
        let histories = crate::cluster::read_legacy_json(path, &bytes, "leader-epoch histories")?;
        return Ok(Some((histories, true)));
    }
    let file = FramedFile::parse(path, bytes, EPOCHS_MAGIC)?;
    let (position, payload) = file.only_frame("leader-epoch histories")?;
    let histories = serde_json::from_slice(payload)
        .map_err(|e| file.corrupt(position, format!("not leader-epoch histories: {e}")))?;
    Ok(Some((histories, false)))
}

/// Replaces the leader-epoch histories at `path` crash-safely, in format 1.
pub(super) fn write_epochs(
    path: &std::path::Path,
    histories: &EpochHistories,
) -> crate::storage::Result<()> {
    let payload = serde_json::to_vec(histories).map_err(|e| {
        StorageError::io(
            "encoding leader epochs",
            std::io::Error::other(e.to_string()),
        )
    })?;
    journal::write_whole(path, EPOCHS_MAGIC, &[Frame::new(&payload)?])
}

/// Every local partition's leader-epoch history, by `topic/partition`.
pub(super) type EpochHistories = BTreeMap<String, Vec<EpochStart>>;

pub(super) fn epochs_key(topic: &str, partition: u32) -> String {
    format!("{topic}/{partition}")
}

impl Replication {
    /// Writes the epoch histories when one may have changed (a partition's history was written
    /// or partitions went away) or the last save failed; with thousands of partitions, gathering
    /// and comparing them all on every pass was waste.
    pub(super) async fn save_epochs(&self) {
        let mut changed = false;
        let mut partitions = 0;
        for topic in self.broker.topics() {
            for partition in topic.partitions() {
                // Every flag taken, not only up to the first set one.
                changed |= partition.take_epochs_changed();
                partitions += 1;
            }
        }
        let unsaved = self.epochs_unsaved.swap(false, Ordering::AcqRel);
        let gone = self.epochs_partitions.swap(partitions, Ordering::AcqRel) != partitions;
        if (changed || unsaved || gone) && !self.save_epochs_with(Vec::new()).await {
            self.epochs_unsaved.store(true, Ordering::Release);
        }
    }

    /// Writes the epoch histories when they changed, with `pending` (histories of
    /// `topic/partition` keys as they are about to become) in place of those partitions'; returns
    /// whether they are on disk.
    pub(super) async fn save_epochs_with(&self, pending: Vec<(String, Vec<EpochStart>)>) -> bool {
        let mut current = BTreeMap::new();
        for topic in self.broker.topics() {
            for partition in topic.partitions() {
                let epochs = partition.epochs();
                if !epochs.is_empty() {
                    current.insert(epochs_key(&topic.name(), partition.id), epochs);
                }
            }
        }
        current.extend(pending);
        // Compared in place: a copy of every history on every pass was waste with thousands
        // of partitions.
        if self
            .saved_epochs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            == Some(&current)
        {
            return true;
        }
        if let Some(path) = self.epochs_path.clone() {
            let histories = current.clone();
            let written = tokio::task::spawn_blocking(move || write_epochs(&path, &histories))
                .await
                .map_err(|e| e.to_string())
                .and_then(|written| written.map_err(|e| e.to_string()));
            if let Err(error) = written {
                tracing::warn!(%error, "cannot save leader epochs; will retry");
                return false;
            }
        }
        *self.saved_epochs.lock().unwrap_or_else(|e| e.into_inner()) = Some(current);
        true
    }
}
