//! Authentication and authorization on the FlashQ services.
//!
//! With a tokens file (`serve --auth-tokens`), every FlashQ RPC must carry
//! `authorization: Bearer <token>`; the interceptor turns the token into its principal
//! (`broker::acl`) and puts it in the request's extensions, and each service checks the right it
//! needs on the topic it touches. Health and reflection stay open so probes and grpcurl's `list`
//! work. Tokens are never logged: errors name the principal, never the token.

use std::sync::Arc;

use tonic::{Request, Status};

use crate::broker::acl::{AccessControl, Principal, Right};

/// The interceptor in front of every FlashQ service; a no-op when auth is off.
#[derive(Clone, Default)]
pub struct Authenticator {
    acl: Option<Arc<AccessControl>>,
}

impl Authenticator {
    pub fn new(acl: Option<Arc<AccessControl>>) -> Self {
        Authenticator { acl }
    }
}

impl tonic::service::Interceptor for Authenticator {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        let Some(acl) = &self.acl else {
            return Ok(request);
        };
        let token = request
            .metadata()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let Some(token) = token else {
            return Err(Status::unauthenticated(
                "this broker requires a token: send `authorization: Bearer <token>` (flashq --token)",
            ));
        };
        let Some(principal) = acl.authenticate(token.trim()).cloned() else {
            return Err(Status::unauthenticated(
                "the bearer token is not known to this broker",
            ));
        };
        request.extensions_mut().insert(principal);
        Ok(request)
    }
}

/// The caller of a request, when auth is on.
pub fn principal<T>(request: &Request<T>) -> Option<Principal> {
    request.extensions().get::<Principal>().cloned()
}

/// Checks that `principal` holds `right` on `resource` (a topic, or a group for group admin).
/// Without a principal (auth off) everything is allowed.
pub fn check(principal: Option<&Principal>, right: Right, resource: &str) -> Result<(), Status> {
    match principal {
        None => Ok(()),
        Some(p) if p.allows(right, resource) => Ok(()),
        Some(p) => Err(Status::permission_denied(format!(
            "principal {:?} has no {} right on {resource:?}",
            p.name,
            match right {
                Right::Produce => "produce",
                Right::Consume => "consume",
                Right::Admin => "admin",
            }
        ))),
    }
}

/// Whether the caller may see `topic` at all: any right on it will do.
pub fn may_see(principal: Option<&Principal>, topic: &str) -> bool {
    principal.is_none_or(|p| {
        [Right::Produce, Right::Consume, Right::Admin]
            .into_iter()
            .any(|right| p.allows(right, topic))
    })
}

/// [`check`] for the caller of `request`.
pub fn authorize<T>(request: &Request<T>, right: Right, resource: &str) -> Result<(), Status> {
    check(request.extensions().get::<Principal>(), right, resource)
}
