//! The size limit of request messages, enforced on the wire before anything is buffered, with
//! gRPC's code for it: RESOURCE_EXHAUSTED ("sent or received message was larger than configured
//! limit" in gRPC's table of library codes). tonic's own check answers OUT_OF_RANGE, which
//! FlashQ uses for offsets outside a log; a client must be able to tell the two apart without
//! reading the message.
//!
//! [`MessageLimitLayer`] wraps each request body and reads the 5-byte prefix of every gRPC
//! message in it (compressed flag, big-endian length) as it passes: a declared length over the
//! service's limit ends the body with RESOURCE_EXHAUSTED, and a body that ends inside a message
//! with INVALID_ARGUMENT (tonic would say INTERNAL, which FlashQ keeps for its own faults).
//! tonic's check stays behind it, at the same limits, and is never reached first.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use tonic::Status;

/// The length prefix of every gRPC message: one flag byte, then a big-endian u32.
const MESSAGE_PREFIX_BYTES: usize = 5;
/// The request limit of a service without its own: tonic's default, 4 MiB.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// The largest request message per service: `services` by path prefix
/// (`/flashq.v1.Produce/`), everything else `default_bytes`.
#[derive(Debug, Clone)]
pub struct MessageLimits {
    pub default_bytes: usize,
    pub services: Vec<(&'static str, usize)>,
}

impl MessageLimits {
    fn for_path(&self, path: &str) -> usize {
        self.services
            .iter()
            .find(|(prefix, _)| path.starts_with(prefix))
            .map_or(self.default_bytes, |(_, bytes)| *bytes)
    }
}

/// A tower layer limiting every request message to its service's size.
#[derive(Clone)]
pub struct MessageLimitLayer {
    limits: Arc<MessageLimits>,
}

impl MessageLimitLayer {
    pub fn new(limits: MessageLimits) -> Self {
        MessageLimitLayer {
            limits: Arc::new(limits),
        }
    }
}

impl<S> tower::Layer<S> for MessageLimitLayer {
    type Service = MessageLimitService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        MessageLimitService {
            inner,
            limits: self.limits.clone(),
        }
    }
}

/// The service [`MessageLimitLayer`] wraps around the gRPC routes.
#[derive(Clone)]
pub struct MessageLimitService<S> {
    inner: S,
    limits: Arc<MessageLimits>,
}

impl<S> tower::Service<http::Request<tonic::body::Body>> for MessageLimitService<S>
where
    S: tower::Service<http::Request<tonic::body::Body>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<tonic::body::Body>) -> Self::Future {
        let max_message_bytes = self.limits.for_path(request.uri().path());
        let request = request.map(|body| {
            tonic::body::Body::new(LimitedBody {
                inner: body,
                max_message_bytes,
                position: Position::Prefix {
                    bytes: [0; MESSAGE_PREFIX_BYTES],
                    filled: 0,
                },
                failed: false,
            })
        });
        self.inner.call(request)
    }
}

/// Where the body is within its sequence of messages.
#[derive(Debug, Clone, Copy)]
enum Position {
    /// In a message's prefix, `filled` bytes of it read.
    Prefix {
        bytes: [u8; MESSAGE_PREFIX_BYTES],
        filled: usize,
    },
    /// In a message, `remaining` of its `length` bytes still to come.
    Message { length: u64, remaining: u64 },
}

/// A request body that fails as soon as a message prefix declares more than the limit.
struct LimitedBody {
    inner: tonic::body::Body,
    max_message_bytes: usize,
    position: Position,
    /// Set once it has failed: a failed body yields nothing more.
    failed: bool,
}

impl LimitedBody {
    /// Follows the message framing through `data`; an error for a message over the limit.
    fn check(&mut self, data: &[u8]) -> Result<(), Status> {
        let mut at = 0;
        while at < data.len() {
            match &mut self.position {
                Position::Prefix { bytes, filled } => {
                    let take = (MESSAGE_PREFIX_BYTES - *filled).min(data.len() - at);
                    bytes[*filled..*filled + take].copy_from_slice(&data[at..at + take]);
                    *filled += take;
                    at += take;
                    if *filled == MESSAGE_PREFIX_BYTES {
                        let length = u32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
                        if length as usize > self.max_message_bytes {
                            return Err(Status::resource_exhausted(format!(
                                "the request message is {length} bytes, over this service's limit of {} bytes",
                                self.max_message_bytes
                            )));
                        }
                        self.position = Position::Message {
                            length: length as u64,
                            remaining: length as u64,
                        };
                    }
                }
                Position::Message { remaining, .. } => {
                    let take = (*remaining).min((data.len() - at) as u64);
                    *remaining -= take;
                    at += take as usize;
                }
            }
            if let Position::Message { remaining: 0, .. } = self.position {
                self.position = Position::Prefix {
                    bytes: [0; MESSAGE_PREFIX_BYTES],
                    filled: 0,
                };
            }
        }
        Ok(())
    }

    /// An error when the body ended inside a message.
    fn check_end(&self) -> Result<(), Status> {
        match self.position {
            Position::Prefix { filled: 0, .. } => Ok(()),
            Position::Prefix { filled, .. } => Err(Status::invalid_argument(format!(
                "the request ended {filled} bytes into a {MESSAGE_PREFIX_BYTES}-byte message prefix"
            ))),
            Position::Message { length, remaining } => Err(Status::invalid_argument(format!(
                "the request ended {remaining} bytes short of its {length}-byte message"
            ))),
        }
    }
}

impl Body for LimitedBody {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        if self.failed {
            return Poll::Ready(None);
        }
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        let outcome = match &polled {
            Poll::Ready(Some(Ok(frame))) => match frame.data_ref() {
                Some(data) => {
                    let data = data.clone();
                    self.check(&data)
                }
                None => Ok(()),
            },
            Poll::Ready(None) => self.check_end(),
            Poll::Ready(Some(Err(_))) | Poll::Pending => Ok(()),
        };
        match outcome {
            Ok(()) => polled,
            Err(status) => {
                self.failed = true;
                Poll::Ready(Some(Err(status)))
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.failed || self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(max_message_bytes: usize) -> LimitedBody {
        LimitedBody {
            inner: tonic::body::Body::empty(),
            max_message_bytes,
            position: Position::Prefix {
                bytes: [0; MESSAGE_PREFIX_BYTES],
                filled: 0,
            },
            failed: false,
        }
    }

    fn message(length: u32) -> Vec<u8> {
        let mut out = vec![0];
        out.extend_from_slice(&length.to_be_bytes());
        out.resize(MESSAGE_PREFIX_BYTES + length as usize, b'x');
        out
    }

    #[test]
    fn messages_up_to_the_limit_pass_in_any_split() {
        let mut stream = message(10);
        stream.extend(message(0));
        stream.extend(message(7));
        for split in 1..stream.len() {
            let mut limited = body(10);
            for chunk in stream.chunks(split) {
                limited.check(chunk).unwrap();
            }
            limited.check_end().unwrap();
        }
    }

    #[test]
    fn a_prefix_over_the_limit_fails_even_split_across_chunks() {
        let over = message(11);
        for split in 1..=MESSAGE_PREFIX_BYTES {
            let mut limited = body(10);
            let (first, rest) = over.split_at(split);
            let failed = limited.check(first).and_then(|()| limited.check(rest));
            assert_eq!(
                failed.unwrap_err().code(),
                tonic::Code::ResourceExhausted,
                "split at {split}"
            );
        }
    }

    #[test]
    fn a_body_ending_inside_a_message_is_invalid_argument() {
        for cut in [1, 3, MESSAGE_PREFIX_BYTES, MESSAGE_PREFIX_BYTES + 4] {
            let mut limited = body(10);
            limited.check(&message(10)[..cut]).unwrap();
            assert_eq!(
                limited.check_end().unwrap_err().code(),
                tonic::Code::InvalidArgument,
                "cut at {cut}"
            );
        }
    }
}
