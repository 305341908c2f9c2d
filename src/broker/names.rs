//! Validation of user-chosen names before they reach a path, a map key or a log.

/// The longest topic or group name, like Kafka's.
pub const MAX_NAME_CHARS: usize = 249;

/// Checks a topic or group name: 1-249 chars of `[A-Za-z0-9._-]`, not `.` or `..`.
///
/// Names become directory names, so this is what keeps `../x` or `a/b` out of the data dir.
pub fn validate_name(kind: &str, name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("{kind} name must not be empty"));
    }
    if name.len() > MAX_NAME_CHARS {
        return Err(format!(
            "{kind} name is {} characters, over the limit of {MAX_NAME_CHARS}",
            name.len()
        ));
    }
    if name == "." || name == ".." {
        return Err(format!("{kind} name must not be {name:?}"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "{kind} name {name:?} contains {bad:?}: only ASCII letters, digits, '.', '_' and '-' are allowed"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_kafka_style_names() {
        for name in ["orders", "a", "my.topic_v2-x", &"x".repeat(MAX_NAME_CHARS)] {
            assert_eq!(validate_name("topic", name), Ok(()), "{name}");
        }
    }

    #[test]
    fn rejects_names_that_could_escape_or_nest() {
        for name in [
            "",
            ".",
            "..",
            "../escaped-topic",
            "a/b",
            "a\\b",
            "with space",
            "naïve",
            "nul\0",
            &"x".repeat(MAX_NAME_CHARS + 1),
        ] {
            assert!(validate_name("topic", name).is_err(), "{name:?} accepted");
        }
    }
}
