//! Offsets in memory only.

use std::sync::Mutex;

use super::*;
use crate::storage::Result;

/// Offsets in memory only (`--storage memory`, tests): nothing survives the process.
#[derive(Default)]
pub struct MemoryOffsetStore {
    table: Mutex<OffsetTable>,
}

impl MemoryOffsetStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl OffsetStore for MemoryOffsetStore {
    fn kind(&self) -> &'static str {
        "memory"
    }

    fn groups(&self) -> Vec<String> {
        lock(&self.table).groups.keys().cloned().collect()
    }

    fn offsets(&self, group: &str) -> Option<GroupOffsets> {
        lock(&self.table).groups.get(group).cloned()
    }

    fn commit(&self, group: &str, commits: &[OffsetCommit], timestamp_ms: i64) -> Result<()> {
        check_commit(commits)?;
        lock(&self.table).apply(&Entry::Commit {
            group: group.to_string(),
            offsets: commits.iter().map(|c| (c.clone(), timestamp_ms)).collect(),
        });
        Ok(())
    }

    fn delete_group(&self, group: &str) -> Result<bool> {
        Ok(lock(&self.table).groups.remove(group).is_some())
    }

    fn delete_topic(&self, topic: &str) -> Result<usize> {
        let mut table = lock(&self.table);
        let affected = table.groups_on_topic(topic);
        table.apply(&Entry::DeleteTopic {
            topic: topic.to_string(),
        });
        Ok(affected)
    }

    fn close(&self) -> Result<()> {
        Ok(())
    }
}
