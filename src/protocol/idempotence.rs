//! The idempotent producer's rules, shared by the producer (which stamps and retries) and the
//! partition log (which checks the stamps).

/// Batches remembered per producer and partition (Kafka keeps 5): a retry of any of them is
/// answered with its first offsets. A producer with at most this many batches in flight per
/// partition can therefore always have a lost answer's retry deduplicated.
pub const MAX_BATCHES_PER_PRODUCER: usize = 5;

/// `sequence` moved on by `by` records, wrapping past `i32::MAX` to 0 as Kafka's sequences do.
pub fn add_sequence(sequence: i32, by: u32) -> i32 {
    ((sequence as i64 + by as i64) % (i32::MAX as i64 + 1)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_wrap_past_the_largest_to_zero() {
        assert_eq!(add_sequence(0, 5), 5);
        assert_eq!(add_sequence(i32::MAX, 1), 0);
        assert_eq!(add_sequence(i32::MAX - 1, 3), 1);
    }
}
