//! SASL/PLAIN on the Kafka listener (SaslHandshake v1, SaslAuthenticate): with a tokens file
//! (`serve --auth-tokens`) a Kafka client authenticates as a principal, its username the
//! principal's name and its password the principal's token, and every request after is held to
//! that principal's rights, as a gRPC call with that bearer token would be. Until then a
//! connection may only ask for ApiVersions and authenticate; anything else closes it, as
//! Kafka's brokers do during the SASL handshake.

use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::{
    SaslAuthenticateRequest, SaslAuthenticateResponse, SaslHandshakeRequest, SaslHandshakeResponse,
};
use kafka_protocol::protocol::StrBytes;

use crate::broker::acl::{AccessControl, Principal, Right};

/// The one mechanism offered: PLAIN (RFC 4616), its password a FlashQ token.
pub const PLAIN: &str = "PLAIN";

pub fn handshake(request: &SaslHandshakeRequest) -> (SaslHandshakeResponse, bool) {
    let mut response = SaslHandshakeResponse::default();
    response.mechanisms = vec![StrBytes::from_static_str(PLAIN)];
    let accepted = request.mechanism.as_str() == PLAIN;
    if !accepted {
        response.error_code = ResponseError::UnsupportedSaslMechanism.code();
    }
    (response, accepted)
}

/// Checks PLAIN's `[authzid] NUL username NUL password` against the tokens; the principal on
/// success. The message never echoes the password.
pub fn authenticate(
    acl: &AccessControl,
    request: &SaslAuthenticateRequest,
) -> (SaslAuthenticateResponse, Option<Principal>) {
    let mut response = SaslAuthenticateResponse::default();
    let mut parts = request.auth_bytes.split(|b| *b == 0);
    let (_authzid, username, password) = (parts.next(), parts.next(), parts.next());
    let found = match (username, password, parts.next()) {
        (Some(username), Some(password), None) => {
            let username = String::from_utf8_lossy(username);
            std::str::from_utf8(password)
                .ok()
                .and_then(|token| acl.authenticate(token))
                .filter(|p| p.name == username)
                .cloned()
        }
        _ => None,
    };
    if found.is_none() {
        response.error_code = ResponseError::SaslAuthenticationFailed.code();
        response.error_message = Some(StrBytes::from_static_str(
            "authentication failed: the username must be a principal's name and the password its token",
        ));
    }
    (response, found)
}

/// Whether the caller may do `right` on `resource`; with no tokens file, anyone may.
pub fn allows(caller: Option<&Principal>, right: Right, resource: &str) -> bool {
    caller.is_none_or(|p| p.allows(right, resource))
}

/// Whether the caller may see `topic` at all: any right on it will do.
pub fn may_see(caller: Option<&Principal>, topic: &str) -> bool {
    [Right::Produce, Right::Consume, Right::Admin]
        .into_iter()
        .any(|right| allows(caller, right, topic))
}
