//! The one rule for user-chosen names (topics, groups, client ids), checked before a name
//! reaches a path, a map key or a log line.
//!
//! It lives with storage, the lowest layer that needs it: a topic name becomes a directory
//! name. Every other layer checks names through [`validate_name`], so the rule is stated once:
//! 1 to [`MAX_NAME_BYTES`] bytes of `[A-Za-z0-9._-]`, not starting with `.`.
//!
//! Kafka's rule, with one more refusal: Kafka forbids only `.` and `..`, while here no name may
//! start with `.`, because dot-names in a data dir's `topics/` are the broker's own (a deleted
//! topic on its way out), and hidden directories are easy to miss for an operator.

/// The longest topic or group name in bytes (the characters allowed are ASCII, so also in
/// characters), like Kafka's. A topic dir of this length is well under the 255-byte limit of a
/// path component.
pub const MAX_NAME_BYTES: usize = 249;

/// Checks a `kind` name (`"topic"`, `"group"`, ...) against the rule; the error says why.
pub fn validate_name(kind: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("{kind} name must not be empty"));
    }
    if name.len() > MAX_NAME_BYTES {
        return Err(format!(
            "{kind} name is {} bytes, over the limit of {MAX_NAME_BYTES}",
            name.len()
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "{kind} name {name:?} contains {bad:?}: only ASCII letters, digits, '.', '_' and '-' are allowed"
        ));
    }
    if name.starts_with('.') {
        return Err(format!("{kind} name {name:?} must not start with '.'"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kafka_style_names_up_to_the_limit() {
        for name in [
            "orders",
            "a",
            "my.topic_v2-x",
            "x.",
            "-x",
            "_x",
            "x..y",
            &"x".repeat(MAX_NAME_BYTES),
        ] {
            assert_eq!(validate_name("topic", name), Ok(()), "{name}");
        }
    }

    #[test]
    fn rejects_names_that_could_escape_nest_or_hide() {
        for name in [
            "",
            ".",
            "..",
            ".hidden",
            "../escaped-topic",
            "a/b",
            "a\\b",
            "with space",
            "naïve",
            "nul\0",
            &"x".repeat(MAX_NAME_BYTES + 1),
        ] {
            assert!(validate_name("topic", name).is_err(), "{name:?} accepted");
        }
    }
}
