//! How a group's partitions are split among its members: the range and round-robin assignors.
//!
//! Both are deterministic functions of the members (ordered by member id), their subscriptions
//! and each topic's partition count, like Kafka's `RangeAssignor` and `RoundRobinAssignor`:
//!
//! - **range** (the default): per topic, the subscribed members in id order get consecutive
//!   ranges of partitions; the first `partitions % members` members get one extra. Members
//!   subscribed to the same topics get the same partition numbers of each (good for joins).
//! - **round-robin**: every subscribed (topic, partition), in topic then partition order, is dealt
//!   to the members in id order, skipping members not subscribed to its topic. This spreads
//!   partitions of many topics more evenly than range.
//! - **sticky**: per topic as balanced as range (each subscriber gets `partitions / members` or
//!   one more), but a partition stays with its previous owner wherever that balance allows, so a
//!   rebalance moves as few partitions as it can (only those of members that left, or those
//!   needed to give newcomers their share).
//!
//! Every partition of a subscribed topic goes to exactly one member; none goes to a member that is
//! not subscribed to its topic.

use std::collections::BTreeMap;

use super::TopicPartition;

/// A strategy for splitting partitions among members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Assignor {
    /// Per topic, consecutive ranges of partitions per member.
    #[default]
    Range,
    /// All partitions dealt one by one to the members in turn.
    RoundRobin,
    /// Balanced per topic like range, moving as few partitions as possible.
    Sticky,
}

impl Assignor {
    /// The name used on the wire and the command line.
    pub fn name(self) -> &'static str {
        match self {
            Assignor::Range => "range",
            Assignor::RoundRobin => "roundrobin",
            Assignor::Sticky => "sticky",
        }
    }
}

impl std::str::FromStr for Assignor {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        match name {
            "range" => Ok(Assignor::Range),
            "roundrobin" | "round-robin" => Ok(Assignor::RoundRobin),
            "sticky" => Ok(Assignor::Sticky),
            other => Err(format!(
                "unknown assignor {other:?}: expected range, roundrobin or sticky"
            )),
        }
    }
}

impl std::fmt::Display for Assignor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Splits partitions among `members` (member id to subscribed topics). `partition_count` gives a
/// topic's partition count; a topic it does not know (deleted since) has none. `previous` is the
/// last assignment (only the sticky assignor looks at it). Every member gets an entry, possibly
/// empty; each member's partitions are sorted.
pub fn assign(
    assignor: Assignor,
    members: &BTreeMap<String, Vec<String>>,
    partition_count: &dyn Fn(&str) -> Option<u32>,
    previous: &BTreeMap<String, Vec<TopicPartition>>,
) -> BTreeMap<String, Vec<TopicPartition>> {
    let mut assignment: BTreeMap<String, Vec<TopicPartition>> =
        members.keys().map(|id| (id.clone(), Vec::new())).collect();
    // Each subscribed topic once, with its subscribers in member id order.
    let mut subscribers: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (id, topics) in members {
        for topic in topics {
            let list = subscribers.entry(topic.as_str()).or_default();
            if !list.contains(&id.as_str()) {
                list.push(id.as_str());
            }
        }
    }
    match assignor {
        Assignor::Range => {
            for (topic, ids) in &subscribers {
                let partitions = partition_count(topic).unwrap_or(0);
                let per_member = partitions / ids.len() as u32;
                let extra = partitions % ids.len() as u32;
                let mut next = 0;
                for (i, id) in ids.iter().enumerate() {
                    let count = per_member + u32::from((i as u32) < extra);
                    let owned = assignment.get_mut(*id).expect("every member has an entry");
                    owned.extend((next..next + count).map(|p| TopicPartition::new(*topic, p)));
                    next += count;
                }
            }
        }
        Assignor::RoundRobin => {
            let ids: Vec<&str> = members.keys().map(String::as_str).collect();
            let mut turn = 0usize;
            for (topic, subscribed) in &subscribers {
                for partition in 0..partition_count(topic).unwrap_or(0) {
                    // The next member in turn that subscribes to this topic; one always exists.
                    while !subscribed.contains(&ids[turn % ids.len()]) {
                        turn += 1;
                    }
                    assignment
                        .get_mut(ids[turn % ids.len()])
                        .expect("every member has an entry")
                        .push(TopicPartition::new(*topic, partition));
                    turn += 1;
                }
            }
        }
        Assignor::Sticky => {
            let previous_owner: BTreeMap<&TopicPartition, &str> = previous
                .iter()
                .flat_map(|(id, owned)| owned.iter().map(move |tp| (tp, id.as_str())))
                .collect();
            for (topic, ids) in &subscribers {
                let partitions = partition_count(topic).unwrap_or(0);
                let base = partitions as usize / ids.len();
                let extra = partitions as usize % ids.len();
                let mut owned: BTreeMap<&str, Vec<u32>> =
                    ids.iter().map(|id| (*id, Vec::new())).collect();
                let mut above_base = 0;
                let mut free = Vec::new();
                // Keep what each subscriber had, up to its fair share.
                for partition in 0..partitions {
                    let owner = previous_owner
                        .get(&TopicPartition::new(*topic, partition))
                        .and_then(|id| owned.get_mut(id));
                    match owner {
                        Some(kept) if kept.len() < base => kept.push(partition),
                        Some(kept) if kept.len() == base && above_base < extra => {
                            kept.push(partition);
                            above_base += 1;
                        }
                        _ => free.push(partition),
                    }
                }
                // Hand out the rest to whoever has least (ties: member id order).
                for partition in free {
                    let (_, least) = owned
                        .iter_mut()
                        .min_by_key(|(id, held)| (held.len(), **id))
                        .expect("a subscribed topic has subscribers");
                    least.push(partition);
                }
                for (id, partitions) in owned {
                    let member = assignment.get_mut(id).expect("every member has an entry");
                    member.extend(
                        partitions
                            .into_iter()
                            .map(|p| TopicPartition::new(*topic, p)),
                    );
                }
            }
        }
    }
    for partitions in assignment.values_mut() {
        partitions.sort();
    }
    assignment
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(spec: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        spec.iter()
            .map(|(id, topics)| {
                (
                    id.to_string(),
                    topics.iter().map(|t| t.to_string()).collect(),
                )
            })
            .collect()
    }

    fn counts(topic: &str) -> Option<u32> {
        match topic {
            "six" => Some(6),
            "seven" => Some(7),
            "two" => Some(2),
            _ => None,
        }
    }

    fn names(partitions: &[TopicPartition]) -> Vec<String> {
        partitions
            .iter()
            .map(|tp| format!("{}-{}", tp.topic, tp.partition))
            .collect()
    }

    /// Every partition of every subscribed topic is owned exactly once, by a subscriber.
    fn check_complete_and_disjoint(
        group: &BTreeMap<String, Vec<String>>,
        assignment: &BTreeMap<String, Vec<TopicPartition>>,
    ) {
        let mut seen = std::collections::BTreeSet::new();
        for (id, owned) in assignment {
            for tp in owned {
                assert!(
                    group[id].contains(&tp.topic),
                    "{id} owns unsubscribed {tp:?}"
                );
                assert!(seen.insert(tp.clone()), "{tp:?} assigned twice");
            }
        }
        let topics: std::collections::BTreeSet<&String> = group.values().flatten().collect();
        let want: usize = topics.iter().map(|t| counts(t).unwrap_or(0) as usize).sum();
        assert_eq!(seen.len(), want);
    }

    #[test]
    fn range_gives_three_members_two_partitions_each() {
        let group = members(&[("a", &["six"]), ("b", &["six"]), ("c", &["six"])]);
        let assignment = assign(Assignor::Range, &group, &counts, &BTreeMap::new());
        assert_eq!(names(&assignment["a"]), ["six-0", "six-1"]);
        assert_eq!(names(&assignment["b"]), ["six-2", "six-3"]);
        assert_eq!(names(&assignment["c"]), ["six-4", "six-5"]);
        check_complete_and_disjoint(&group, &assignment);
    }

    #[test]
    fn range_gives_the_remainder_to_the_first_members() {
        let group = members(&[("a", &["seven"]), ("b", &["seven"]), ("c", &["seven"])]);
        let assignment = assign(Assignor::Range, &group, &counts, &BTreeMap::new());
        assert_eq!(names(&assignment["a"]), ["seven-0", "seven-1", "seven-2"]);
        assert_eq!(names(&assignment["b"]), ["seven-3", "seven-4"]);
        assert_eq!(names(&assignment["c"]), ["seven-5", "seven-6"]);
    }

    #[test]
    fn round_robin_deals_partitions_across_topics() {
        let group = members(&[("a", &["two", "seven"]), ("b", &["two", "seven"])]);
        let assignment = assign(Assignor::RoundRobin, &group, &counts, &BTreeMap::new());
        // Topics in name order: seven-0..6 then two-0..1, dealt a, b, a, b, ...
        assert_eq!(
            names(&assignment["a"]),
            ["seven-0", "seven-2", "seven-4", "seven-6", "two-1"]
        );
        assert_eq!(
            names(&assignment["b"]),
            ["seven-1", "seven-3", "seven-5", "two-0"]
        );
        check_complete_and_disjoint(&group, &assignment);
    }

    #[test]
    fn members_only_get_topics_they_subscribe_to() {
        let group = members(&[("a", &["six"]), ("b", &["two"]), ("c", &["six", "two"])]);
        for assignor in [Assignor::Range, Assignor::RoundRobin, Assignor::Sticky] {
            let assignment = assign(assignor, &group, &counts, &BTreeMap::new());
            check_complete_and_disjoint(&group, &assignment);
        }
    }

    #[test]
    fn more_members_than_partitions_leaves_some_idle_and_unknown_topics_have_none() {
        let group = members(&[("a", &["two"]), ("b", &["two"]), ("c", &["two", "gone"])]);
        for assignor in [Assignor::Range, Assignor::RoundRobin, Assignor::Sticky] {
            let assignment = assign(assignor, &group, &counts, &BTreeMap::new());
            check_complete_and_disjoint(&group, &assignment);
            assert_eq!(assignment.values().filter(|p| p.is_empty()).count(), 1);
        }
    }

    #[test]
    fn sticky_keeps_partitions_with_their_owners_and_stays_balanced() {
        let three = members(&[("a", &["seven"]), ("b", &["seven"]), ("c", &["seven"])]);
        let first = assign(Assignor::Sticky, &three, &counts, &BTreeMap::new());
        check_complete_and_disjoint(&three, &first);
        // b leaves: a and c keep everything they had and split b's partitions.
        let two = members(&[("a", &["seven"]), ("c", &["seven"])]);
        let second = assign(Assignor::Sticky, &two, &counts, &first);
        check_complete_and_disjoint(&two, &second);
        for id in ["a", "c"] {
            assert!(
                first[id].iter().all(|tp| second[id].contains(tp)),
                "{id} lost a partition"
            );
        }
        let sizes: Vec<usize> = second.values().map(Vec::len).collect();
        assert!(
            sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1,
            "{sizes:?}"
        );
        // d joins: it gets a fair share, taken from the others; nobody else gains anything.
        let again = members(&[("a", &["seven"]), ("c", &["seven"]), ("d", &["seven"])]);
        let third = assign(Assignor::Sticky, &again, &counts, &second);
        check_complete_and_disjoint(&again, &third);
        assert_eq!(third["d"].len(), 2);
        for id in ["a", "c"] {
            assert!(
                third[id].iter().all(|tp| second[id].contains(tp)),
                "{id} gained a partition"
            );
        }
    }

    #[test]
    fn assignor_names_parse_back() {
        for assignor in [Assignor::Range, Assignor::RoundRobin, Assignor::Sticky] {
            assert_eq!(assignor.name().parse::<Assignor>(), Ok(assignor));
        }
        assert!("cooperative".parse::<Assignor>().is_err());
    }
}
