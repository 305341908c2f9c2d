//! A typed async client over the generated gRPC stubs, used by every CLI command.

/// Where clients look for a broker when nothing else is configured.
pub const DEFAULT_BROKER: &str = "http://127.0.0.1:50051";
