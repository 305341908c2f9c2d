//! Helpers shared by the offset-commit benches.

use std::sync::Arc;
use std::time::{Duration, Instant};

use flashq::storage::offset_store::{OffsetCommit, OffsetStore};

/// `iters` commits in all, spread over one thread per group in `groups`, each committing one
/// offset at a time to `store`: the wall time, scaled to exactly `iters` commits (what
/// criterion's `iter_custom` wants).
pub fn timed_concurrent_commits(
    store: &Arc<impl OffsetStore + 'static>,
    groups: &[String],
    iters: u64,
) -> Duration {
    let committers = groups.len() as u64;
    let per_thread = iters.div_ceil(committers);
    let started = Instant::now();
    let threads: Vec<_> = groups
        .iter()
        .map(|group| {
            let store = store.clone();
            let group = group.clone();
            std::thread::spawn(move || {
                for offset in 0..per_thread {
                    let commit = [OffsetCommit {
                        topic: "orders".to_string(),
                        partition: 0,
                        offset,
                    }];
                    store.commit(&group, &commit, 0).expect("commit");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("committer thread");
    }
    started
        .elapsed()
        .mul_f64(iters as f64 / (per_thread * committers) as f64)
}
