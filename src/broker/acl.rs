//! Who may do what: principals named by bearer tokens, with produce, consume and admin rights
//! per topic prefix. Loaded from a TOML tokens file; checked by the server on every RPC.
//!
//! ```toml
//! [[principal]]
//! name = "billing"
//! token = "a-long-random-secret"
//! produce = ["billing."]        # topic prefixes; "" or "*" means every topic
//! consume = ["billing.", "shared."]
//! admin = []                    # create/delete/configure topics, manage groups
//! ```
//!
//! Tokens are secrets: they are never logged, and a principal's `Debug` output leaves them out.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;

/// The most principals a tokens file may name.
pub const MAX_PRINCIPALS: usize = 10_000;
/// The shortest token accepted: shorter ones are too easy to guess.
pub const MIN_TOKEN_CHARS: usize = 16;

/// What a request wants to do to a topic (or, for admin, to the broker).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Right {
    Produce,
    Consume,
    Admin,
}

/// An authenticated caller and its rights.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Principal {
    pub name: String,
    token: String,
    #[serde(default)]
    produce: Vec<String>,
    #[serde(default)]
    consume: Vec<String>,
    #[serde(default)]
    admin: Vec<String>,
}

impl std::fmt::Debug for Principal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Principal")
            .field("name", &self.name)
            .field("produce", &self.produce)
            .field("consume", &self.consume)
            .field("admin", &self.admin)
            .finish_non_exhaustive()
    }
}

impl Principal {
    /// Whether this principal holds `right` on `topic` (for admin calls without a topic, pass "").
    pub fn allows(&self, right: Right, topic: &str) -> bool {
        let prefixes = match right {
            Right::Produce => &self.produce,
            Right::Consume => &self.consume,
            Right::Admin => &self.admin,
        };
        prefixes
            .iter()
            .any(|p| p == "*" || p.is_empty() || topic.starts_with(p.as_str()))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    #[serde(default)]
    principal: Vec<Principal>,
}

/// Every principal, by token.
#[derive(Default)]
pub struct AccessControl {
    by_token: HashMap<String, Principal>,
}

impl std::fmt::Debug for AccessControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The map's keys are the tokens: show the principals only.
        f.debug_list().entries(self.by_token.values()).finish()
    }
}

impl AccessControl {
    /// Parses a tokens file's text; errors name the problem but never echo a token.
    pub fn parse(text: &str) -> Result<AccessControl, String> {
        let file: TokensFile = toml::from_str(text).map_err(|e| e.message().to_string())?;
        if file.principal.len() > MAX_PRINCIPALS {
            return Err(format!(
                "{} principals, over the limit of {MAX_PRINCIPALS}",
                file.principal.len()
            ));
        }
        let mut by_token = HashMap::new();
        for principal in file.principal {
            if principal.token.chars().count() < MIN_TOKEN_CHARS {
                return Err(format!(
                    "principal {:?}: its token is shorter than {MIN_TOKEN_CHARS} characters",
                    principal.name
                ));
            }
            let name = principal.name.clone();
            if by_token
                .insert(principal.token.clone(), principal)
                .is_some()
            {
                return Err(format!(
                    "principal {name:?} reuses another principal's token"
                ));
            }
        }
        Ok(AccessControl { by_token })
    }

    /// Reads and parses a tokens file.
    pub fn load(path: &Path) -> Result<AccessControl, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read tokens file {}: {e}", path.display()))?;
        Self::parse(&text).map_err(|e| format!("tokens file {}: {e}", path.display()))
    }

    /// The principal a bearer token names, if any.
    pub fn authenticate(&self, token: &str) -> Option<&Principal> {
        self.by_token.get(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
        [[principal]]
        name = "billing"
        token = "billing-token-0123456789"
        produce = ["billing."]
        consume = ["billing.", "shared."]

        [[principal]]
        name = "ops"
        token = "ops-token-0123456789abc"
        consume = ["*"]
        admin = ["*"]
    "#;

    #[test]
    fn rights_follow_topic_prefixes() {
        let acl = AccessControl::parse(FILE).unwrap();
        let billing = acl.authenticate("billing-token-0123456789").unwrap();
        assert!(billing.allows(Right::Produce, "billing.invoices"));
        assert!(!billing.allows(Right::Produce, "shared.events"));
        assert!(billing.allows(Right::Consume, "shared.events"));
        assert!(!billing.allows(Right::Admin, ""));
        let ops = acl.authenticate("ops-token-0123456789abc").unwrap();
        assert!(ops.allows(Right::Admin, "anything"));
        assert!(!ops.allows(Right::Produce, "anything"));
        assert!(acl.authenticate("nope").is_none());
    }

    #[test]
    fn bad_files_are_errors_that_do_not_echo_tokens() {
        let short = "[[principal]]\nname = \"x\"\ntoken = \"short\"\n";
        let error = AccessControl::parse(short).unwrap_err();
        assert!(error.contains("shorter"), "{error}");
        assert!(!error.contains("short\""), "{error}");
        let reused = format!(
            "{FILE}\n[[principal]]\nname = \"copy\"\ntoken = \"ops-token-0123456789abc\"\n"
        );
        assert!(
            AccessControl::parse(&reused)
                .unwrap_err()
                .contains("reuses")
        );
        assert!(AccessControl::parse("[[principal]]\nname = 1").is_err());
    }

    #[test]
    fn debug_output_leaves_the_token_out() {
        let acl = AccessControl::parse(FILE).unwrap();
        let text = format!("{acl:?}");
        assert!(!text.contains("billing-token-0123456789"), "{text}");
    }
}
