//! The replication throttle of moves: the bytes per second this broker copies for replicas
//! that a move adds and that are not yet in sync, shared by all of them (Kafka's follower
//! throttle), so a move does not starve producers. In-sync followers are never throttled: they
//! are on the path of `acks=all`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The smallest fetch a throttled follower makes, so that a low rate still moves whole batches.
const MIN_THROTTLED_FETCH_BYTES: u64 = 64 * 1024;
/// Throttled fetches ask for about this fraction of a second's worth of bytes, so the rate is
/// smooth rather than bursts of the largest fetch.
const THROTTLED_FETCHES_PER_S: u64 = 8;

/// A leaky bucket: each copied byte takes its share of a second, one after another.
#[derive(Debug)]
pub(super) struct MoveThrottle {
    /// When the bytes copied so far have been paid for.
    paid_until: Mutex<Instant>,
}

impl MoveThrottle {
    pub(super) fn new() -> MoveThrottle {
        MoveThrottle {
            paid_until: Mutex::new(Instant::now()),
        }
    }

    /// How many bytes a throttled follower asks for per fetch at `bytes_per_s`.
    pub(super) fn fetch_bytes(bytes_per_s: u64, largest: u32) -> u32 {
        (bytes_per_s / THROTTLED_FETCHES_PER_S)
            .max(MIN_THROTTLED_FETCH_BYTES)
            .min(u64::from(largest)) as u32
    }

    /// Books `bytes` just copied at `bytes_per_s` after everything copied before: the instant
    /// to wait for before the next fetch.
    pub(super) fn pay(&self, bytes: u64, bytes_per_s: u64) -> Instant {
        let mut paid = self.paid_until.lock().unwrap_or_else(|e| e.into_inner());
        let start = (*paid).max(Instant::now());
        if bytes_per_s > 0 {
            *paid = start + Duration::from_secs_f64(bytes as f64 / bytes_per_s as f64);
        }
        *paid
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copies_are_paced_at_the_rate_together() {
        let throttle = MoveThrottle::new();
        let started = Instant::now();
        let mut until = started;
        for _ in 0..4 {
            until = throttle.pay(250_000, 1_000_000);
        }
        let elapsed = until - started;
        assert!(
            elapsed >= Duration::from_millis(990) && elapsed <= Duration::from_millis(1_010),
            "{elapsed:?}"
        );
        assert_eq!(MoveThrottle::fetch_bytes(10 << 20, 4 << 20), (10 << 20) / 8);
        assert_eq!(MoveThrottle::fetch_bytes(1_000, 4 << 20), 64 * 1024);
        assert_eq!(MoveThrottle::fetch_bytes(1 << 40, 4 << 20), 4 << 20);
    }
}
