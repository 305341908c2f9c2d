//! One Kafka client connection: size-prefixed request frames in, answers out in request order.
//!
//! Requests are read one at a time. A produce is appended before the next request is read, so
//! a producer's batches on one connection reach the log in the order it sent them (its
//! sequence numbers depend on that); its wait for the replicas, like a fetch's wait for
//! records, then runs while the next requests are read. Answers leave in request order, as
//! Kafka requires. Nothing from the wire is trusted: a frame over the size limit, a header that
//! does not decode, an unknown API or an unsupported version (other than ApiVersions, which
//! answers UNSUPPORTED_VERSION with the list, KIP-511) closes the connection, as Kafka's broker
//! does; nothing panics.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use bytes::{BufMut, Bytes, BytesMut};
use futures::future::BoxFuture;
use kafka_protocol::messages::{ApiKey, RequestHeader, ResponseHeader};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::{KafkaContext, admin, api_versions, fetch, groups, metadata, produce, sasl};
use crate::broker::acl::Principal;

/// Requests read but not yet answered on one connection; past it the connection stops reading
/// until the oldest is answered, so a client that does not read its answers cannot make the
/// broker hold more.
pub const MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION: usize = 16;
/// How long one answer may take to be written to a client that does not read it before the
/// connection is closed.
pub const WRITE_TIMEOUT_MS: u64 = 30_000;
/// The smallest request: API key, version and correlation id, and the client id's length.
const MIN_REQUEST_BYTES: usize = 10;
/// The largest request other than a Produce (which carries records and may be as large as the
/// frame limit): Metadata for thousands of topics or a commit of thousands of offsets is a
/// few hundred KiB. Decoded, a request's entries cost many times their bytes, so this bounds
/// what a request of tiny entries can make the broker hold.
pub const MAX_NON_PRODUCE_REQUEST_BYTES: usize = 4 * 1024 * 1024;
/// The most partitions one Produce request may name, all topics together; Kafka's clients
/// send at most one entry per partition they write to.
pub const MAX_PARTITIONS_PER_PRODUCE_REQUEST: usize = 100_000;

/// The answer to one request, once it is ready: the encoded frame, `None` for a request that
/// gets none (a produce with acks=0), or `Err` to close the connection.
pub type Answer = BoxFuture<'static, Result<Option<Bytes>, String>>;

/// Why a connection is closed instead of answered.
type Close = String;

/// Serves one connection until the client closes it or breaks the protocol.
pub async fn serve<S>(stream: S, context: Arc<KafkaContext>)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let mut session = Session::default();
    let (mut read, write) = tokio::io::split(stream);
    let (answers, to_write) = tokio::sync::mpsc::channel(MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION);
    let writer = tokio::spawn(write_answers(write, to_write));
    loop {
        let frame = match read_frame(&mut read, context.max_request_bytes).await {
            Ok(Some(frame)) => frame,
            Ok(None) => break,
            Err(reason) => {
                tracing::debug!("kafka connection closed: {reason}");
                break;
            }
        };
        let answer = match dispatch(&context, &mut session, frame).await {
            Ok(answer) => answer,
            Err(reason) => {
                tracing::debug!("kafka connection closed: {reason}");
                break;
            }
        };
        if answers.send(answer).await.is_err() {
            break;
        }
    }
    drop(answers);
    let _ = writer.await;
}

/// Reads one request frame; `None` at a clean end of stream between frames.
async fn read_frame(
    read: &mut (impl AsyncRead + Unpin),
    max_request_bytes: usize,
) -> Result<Option<Bytes>, Close> {
    let mut length = [0u8; 4];
    match read.read_exact(&mut length).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(format!("read failed: {e}")),
    }
    let length = i32::from_be_bytes(length);
    if length < MIN_REQUEST_BYTES as i32 || length as usize > max_request_bytes {
        return Err(format!(
            "request of {length} bytes (must be {MIN_REQUEST_BYTES}..={max_request_bytes})"
        ));
    }
    let mut frame = BytesMut::zeroed(length as usize);
    read.read_exact(&mut frame)
        .await
        .map_err(|e| format!("request cut short: {e}"))?;
    Ok(Some(frame.freeze()))
}

async fn write_answers(
    mut write: impl AsyncWrite + Unpin,
    mut answers: tokio::sync::mpsc::Receiver<Answer>,
) {
    while let Some(answer) = answers.recv().await {
        let frame = match answer.await {
            Ok(Some(frame)) => frame,
            Ok(None) => continue,
            Err(reason) => {
                tracing::debug!("kafka connection closed: {reason}");
                break;
            }
        };
        let written = tokio::time::timeout(
            Duration::from_millis(WRITE_TIMEOUT_MS),
            write.write_all(&frame),
        )
        .await;
        if !matches!(written, Ok(Ok(()))) {
            break;
        }
    }
    // Dropping the halves closes the socket; the reader then ends too.
    let _ = write.shutdown().await;
}

/// What every answer needs from its request.
#[derive(Debug, Clone, Copy)]
pub struct RequestMeta {
    pub api_key: ApiKey,
    pub version: i16,
    pub correlation_id: i32,
}

/// What one connection has established: SASL's progress and the principal it authenticated as.
#[derive(Default)]
struct Session {
    mechanism_agreed: bool,
    principal: Option<Principal>,
}

/// Decodes one request and starts answering it.
async fn dispatch(
    context: &Arc<KafkaContext>,
    session: &mut Session,
    mut frame: Bytes,
) -> Result<Answer, Close> {
    let api_key = i16::from_be_bytes([frame[0], frame[1]]);
    let version = i16::from_be_bytes([frame[2], frame[3]]);
    let correlation_id = i32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]);
    let api_key = ApiKey::try_from(api_key).map_err(|_| format!("unknown API key {api_key}"))?;
    if api_key != ApiKey::Produce && frame.len() > MAX_NON_PRODUCE_REQUEST_BYTES {
        return Err(format!(
            "{api_key:?} request of {} bytes (at most {MAX_NON_PRODUCE_REQUEST_BYTES})",
            frame.len()
        ));
    }
    let meta = RequestMeta {
        api_key,
        version,
        correlation_id,
    };
    if !api_versions::is_supported(api_key, version) {
        if api_key == ApiKey::ApiVersions {
            return Ok(ready(encode(
                meta.with_version(0),
                &api_versions::unsupported_version_response(),
            )));
        }
        return Err(format!("{api_key:?} version {version} is not supported"));
    }
    let header = RequestHeader::decode(&mut frame, api_key.request_header_version(version))
        .map_err(|e| format!("bad {api_key:?} request header: {e}"))?;
    let client_id = header.client_id.map(|c| c.to_string()).unwrap_or_default();
    // With a tokens file nothing but ApiVersions and SASL is served before authentication.
    if let Some(acl) = &context.acl {
        match api_key {
            ApiKey::ApiVersions => {}
            ApiKey::SaslHandshake => {
                let request = decode(meta, frame)?;
                let (response, agreed) = sasl::handshake(&request);
                session.mechanism_agreed = agreed;
                return Ok(ready(encode(meta, &response)));
            }
            ApiKey::SaslAuthenticate if session.mechanism_agreed => {
                let request = decode(meta, frame)?;
                let (response, principal) = sasl::authenticate(acl, &request);
                if let Some(principal) = &principal {
                    tracing::debug!(principal = principal.name, "kafka client authenticated");
                }
                // A failed attempt leaves the connection unauthenticated: the client may try
                // again, and any other request closes it.
                session.principal = principal;
                return Ok(ready(encode(meta, &response)));
            }
            _ if session.principal.is_none() => {
                return Err(format!(
                    "{api_key:?} before SASL authentication (this broker requires it)"
                ));
            }
            _ => {}
        }
    }
    let caller = session.principal.clone();
    let context = context.clone();
    let answer = match api_key {
        ApiKey::ApiVersions => {
            let _request = decode::<kafka_protocol::messages::ApiVersionsRequest>(meta, frame)?;
            ready(encode(meta, &api_versions::response()))
        }
        ApiKey::Metadata => later(
            meta,
            metadata::handle(context, decode(meta, frame)?, version, caller),
        ),
        ApiKey::Produce => {
            // Appended now, in request order; acknowledged later.
            let request: kafka_protocol::messages::ProduceRequest = decode(meta, frame)?;
            let entries: usize = request
                .topic_data
                .iter()
                .map(|t| t.partition_data.len())
                .sum();
            if entries > MAX_PARTITIONS_PER_PRODUCE_REQUEST {
                return Err(format!(
                    "Produce naming {entries} partitions (at most {MAX_PARTITIONS_PER_PRODUCE_REQUEST})"
                ));
            }
            match produce::append(&context, request, caller.as_ref()).await {
                Some(appended) => later(meta, produce::acknowledge(appended)),
                None => ready(Ok(None)),
            }
        }
        ApiKey::InitProducerId => later(
            meta,
            produce::init_producer_id(context, decode(meta, frame)?),
        ),
        ApiKey::Fetch => later(meta, fetch::handle(context, decode(meta, frame)?, caller)),
        ApiKey::ListOffsets => later(
            meta,
            fetch::list_offsets(context, decode(meta, frame)?, version, caller),
        ),
        ApiKey::OffsetForLeaderEpoch => later(
            meta,
            fetch::offset_for_leader_epoch(context, decode(meta, frame)?, caller),
        ),
        ApiKey::CreateTopics => later(
            meta,
            admin::create_topics(context, decode(meta, frame)?, caller),
        ),
        ApiKey::DeleteTopics => later(
            meta,
            admin::delete_topics(context, decode(meta, frame)?, caller),
        ),
        ApiKey::CreatePartitions => later(
            meta,
            admin::create_partitions(context, decode(meta, frame)?, caller),
        ),
        ApiKey::DescribeConfigs => later(
            meta,
            admin::describe_configs(context, decode(meta, frame)?, caller),
        ),
        ApiKey::FindCoordinator => later(
            meta,
            groups::find_coordinator(context, decode(meta, frame)?),
        ),
        ApiKey::JoinGroup => later(
            meta,
            groups::join_group(context, decode(meta, frame)?, version, client_id),
        ),
        ApiKey::SyncGroup => later(meta, groups::sync_group(context, decode(meta, frame)?)),
        ApiKey::Heartbeat => later(meta, groups::heartbeat(context, decode(meta, frame)?)),
        ApiKey::LeaveGroup => later(meta, groups::leave_group(context, decode(meta, frame)?)),
        ApiKey::OffsetCommit => later(
            meta,
            groups::offset_commit(context, decode(meta, frame)?, caller),
        ),
        ApiKey::OffsetFetch => later(meta, groups::offset_fetch(context, decode(meta, frame)?)),
        ApiKey::DescribeGroups => {
            later(meta, groups::describe_groups(context, decode(meta, frame)?))
        }
        ApiKey::ListGroups => later(meta, groups::list_groups(context, decode(meta, frame)?)),
        ApiKey::DeleteGroups => later(
            meta,
            groups::delete_groups(context, decode(meta, frame)?, caller),
        ),
        // Without a tokens file there is nothing to authenticate against.
        ApiKey::SaslHandshake | ApiKey::SaslAuthenticate => {
            return Err(format!("{api_key:?}: this broker has no tokens file"));
        }
        other => return Err(format!("{other:?} is not served")),
    };
    Ok(answer)
}

impl RequestMeta {
    fn with_version(self, version: i16) -> RequestMeta {
        RequestMeta { version, ..self }
    }
}

fn decode<T: Decodable>(meta: RequestMeta, mut body: Bytes) -> Result<T, Close> {
    let request = T::decode(&mut body, meta.version)
        .map_err(|e| format!("bad {:?} v{} request: {e}", meta.api_key, meta.version))?;
    Ok(request)
}

fn ready(answer: Result<Option<Bytes>, String>) -> Answer {
    Box::pin(async move { answer })
}

/// An answer encoded once `response` is ready.
fn later<R>(meta: RequestMeta, response: impl Future<Output = R> + Send + 'static) -> Answer
where
    R: Encodable + HeaderVersion + Send,
{
    Box::pin(async move { encode(meta, &response.await) })
}

/// One response frame: length, header (its version set by the API and version), body.
pub fn encode<R: Encodable + HeaderVersion>(
    meta: RequestMeta,
    response: &R,
) -> Result<Option<Bytes>, String> {
    let mut frame = BytesMut::with_capacity(256);
    frame.put_i32(0);
    let mut header = ResponseHeader::default();
    header.correlation_id = meta.correlation_id;
    header
        .encode(&mut frame, R::header_version(meta.version))
        .and_then(|()| response.encode(&mut frame, meta.version))
        .map_err(|e| format!("cannot encode the {:?} response: {e}", meta.api_key))?;
    let length = (frame.len() - 4) as i32;
    frame[..4].copy_from_slice(&length.to_be_bytes());
    Ok(Some(frame.freeze()))
}
