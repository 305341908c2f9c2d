//! Name validation for the engine: the rule itself is [`crate::storage::names`], stated once.

pub use crate::storage::names::{MAX_NAME_BYTES, validate_name};
