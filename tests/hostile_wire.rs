//! Hostile bytes on the wire against a real broker: malformed gRPC messages, length prefixes
//! that lie, oversized requests, bytes that are not HTTP/2 at all, and more connections than
//! `--max-connections`. Every bad input gets an error status (or a closed connection), never a
//! crash, never an allocation the size of what a length field claims; the broker serves
//! normally afterwards.
//!
//! The requests are built by hand with `h2` (raw HTTP/2): tonic's client would refuse to send
//! most of them. The same goes for the Kafka port (`serve --kafka-listen`), whose frames are
//! written byte by byte on a plain TCP stream: lying lengths, unknown APIs and versions, cut
//! requests, counts of billions in a few bytes, and clients that never read their answers.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use bytes::Bytes;
use common::{Rng, TestBroker};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const PRODUCE: &str = "/flashq.v1.Produce/Produce";
const CREATE_TOPIC: &str = "/flashq.v1.Admin/CreateTopic";
const GRPC: &str = "application/grpc";

// gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
const OK: u32 = 0;
const INVALID_ARGUMENT: u32 = 3;
const RESOURCE_EXHAUSTED: u32 = 8;
const UNIMPLEMENTED: u32 = 12;
const INTERNAL: u32 = 13;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A gRPC message frame: compressed flag, big-endian length, then the message.
fn frame(compressed: bool, declared_len: u32, message: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + message.len());
    out.push(compressed as u8);
    out.extend_from_slice(&declared_len.to_be_bytes());
    out.extend_from_slice(message);
    out
}

fn message_frame(message: &[u8]) -> Vec<u8> {
    frame(false, message.len() as u32, message)
}

/// What a raw call got back: the gRPC status code and message, or how the exchange failed at
/// the HTTP/2 level (a reset stream or a closed connection: also acceptable for garbage).
#[derive(Debug)]
enum Answer {
    Status(u32, String),
    Http2(String),
}

/// One unary call on a fresh connection with `body` as the request's raw DATA.
async fn call(address: &str, path: &str, content_type: &str, body: Vec<u8>) -> Answer {
    match try_call(address, path, content_type, body).await {
        Ok(answer) => answer,
        Err(e) => Answer::Http2(e.to_string()),
    }
}

async fn try_call(
    address: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<Answer, h2::Error> {
    let tcp = TcpStream::connect(address).await.expect("connect");
    let (client, connection) = h2::client::handshake(tcp).await?;
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut client = client.ready().await?;
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{address}{path}"))
        .header("content-type", content_type)
        .header("te", "trailers")
        .body(())
        .unwrap();
    let (response, mut send) = client.send_request(request, false)?;
    // The broker may answer (and reset the stream) before it has read everything.
    let _ = send.send_data(Bytes::from(body), true);
    let response = tokio::time::timeout(Duration::from_secs(30), response)
        .await
        .expect("the broker answers")?;
    let (parts, mut body) = response.into_parts();
    let status_of = |headers: &http::HeaderMap| {
        let code = headers
            .get("grpc-status")?
            .to_str()
            .ok()?
            .parse::<u32>()
            .ok()?;
        let message = headers
            .get("grpc-message")
            .and_then(|m| m.to_str().ok())
            .unwrap_or("")
            .to_string();
        Some(Answer::Status(code, message))
    };
    if let Some(answer) = status_of(&parts.headers) {
        driver.abort();
        return Ok(answer);
    }
    while let Some(chunk) = body.data().await {
        let chunk = chunk?;
        let _ = body.flow_control().release_capacity(chunk.len());
    }
    let trailers = body.trailers().await?.unwrap_or_default();
    driver.abort();
    Ok(status_of(&trailers).unwrap_or(Answer::Http2(format!(
        "HTTP {} without grpc-status",
        parts.status
    ))))
}

fn assert_code(answer: &Answer, allowed: &[u32], what: &str) {
    match answer {
        Answer::Status(code, message) => {
            assert!(allowed.contains(code), "{what}: got {code} {message:?}")
        }
        Answer::Http2(e) => panic!("{what}: expected a status, got {e}"),
    }
}

fn assert_refused(answer: &Answer, what: &str) {
    if let Answer::Status(OK, message) = answer {
        panic!("{what}: accepted ({message:?})");
    }
}

/// A protobuf field: tag, then a length-delimited payload.
fn field(number: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![(number << 3 | 2) as u8];
    let mut len = payload.len() as u64;
    while len >= 0x80 {
        out.push(len as u8 | 0x80);
        len >>= 7;
    }
    out.push(len as u8);
    out.extend_from_slice(payload);
    out
}

/// A valid ProduceRequest for `topic` with one record of `value` (Record.value is field 2).
fn produce_request(topic: &str, value: &[u8]) -> Vec<u8> {
    let mut out = field(1, topic.as_bytes());
    out.extend(field(2, &field(2, value)));
    out
}

/// A ProduceRequest carrying one producer-encoded batch for partition 0 (field 3,
/// PartitionBatch.batch is field 2).
fn produce_batch_request(topic: &str, batch: &[u8]) -> Vec<u8> {
    let mut out = field(1, topic.as_bytes());
    out.extend(field(3, &field(2, batch)));
    out
}

/// A valid encoded batch of one record.
fn encoded_batch(value: &[u8]) -> Vec<u8> {
    flashq::storage::batch::encode(
        0,
        &[flashq::storage::Record {
            timestamp_ms: 1_700_000_000_000,
            key: None,
            value: Bytes::copy_from_slice(value),
            headers: vec![],
        }],
    )
}

/// The broker's peak resident memory (VmHWM), in bytes.
fn peak_rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// The broker still answers: a real produce through the CLI and a health check.
fn assert_serving(broker: &TestBroker) {
    broker
        .cmd()
        .args(["produce", "-t", "still-serving", "--value", "yes"])
        .assert()
        .success();
}

#[test]
fn malformed_grpc_messages_get_error_statuses_and_the_broker_keeps_serving() {
    let broker = TestBroker::start(&[]);
    let address = broker.address.clone();
    let pid = broker.pid().unwrap();
    let mut tried = 0;
    runtime().block_on(async {
        let mut check = |answer: Answer, allowed: &[u32], what: &str| {
            tried += 1;
            assert_code(&answer, allowed, what);
        };
        // A well-formed request works, so the failures below are about the bytes.
        let good = message_frame(&produce_request("wire", b"hello"));
        check(
            call(&address, PRODUCE, GRPC, good).await,
            &[OK],
            "a good produce",
        );

        let garbage = message_frame(b"\xff\xff\xff\xff\x0f\x0a\x0b\x0c");
        check(
            call(&address, PRODUCE, GRPC, garbage).await,
            &[INVALID_ARGUMENT],
            "garbage protobuf",
        );
        // A field whose length varint claims ~2^62 bytes.
        let huge_field =
            message_frame(&[0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]);
        check(
            call(&address, PRODUCE, GRPC, huge_field).await,
            &[INVALID_ARGUMENT],
            "a protobuf field declaring 2^62 bytes",
        );
        let not_utf8 = message_frame(&field(1, b"\xff\xfe"));
        check(
            call(&address, PRODUCE, GRPC, not_utf8).await,
            &[INVALID_ARGUMENT],
            "a topic that is not UTF-8",
        );
        // A frame that says 4 GiB follows, then sends 1 KiB: refused on the header alone.
        let four_gib = frame(false, u32::MAX, &[0u8; 1024]);
        check(
            call(&address, PRODUCE, GRPC, four_gib).await,
            &[RESOURCE_EXHAUSTED],
            "a frame declaring 4 GiB",
        );
        let four_gib_admin = frame(false, u32::MAX, &[0u8; 16]);
        check(
            call(&address, CREATE_TOPIC, GRPC, four_gib_admin).await,
            &[RESOURCE_EXHAUSTED],
            "a frame declaring 4 GiB to admin",
        );
        // A real request over the produce limit (16 MiB batch + 8 MiB framing slack):
        // RESOURCE_EXHAUSTED, as gRPC's own libraries answer (tonic alone would say OUT_OF_RANGE,
        // the code of an offset outside the log), refused on its prefix, before it is buffered.
        let oversized = message_frame(&produce_request("wire", &vec![b'x'; 25 << 20]));
        check(
            call(&address, PRODUCE, GRPC, oversized).await,
            &[RESOURCE_EXHAUSTED],
            "a 25 MiB produce request",
        );
        let oversized_admin = message_frame(&field(1, &vec![b'x'; 5 << 20]));
        check(
            call(&address, CREATE_TOPIC, GRPC, oversized_admin).await,
            &[RESOURCE_EXHAUSTED],
            "a 5 MiB admin request",
        );
        // Producer-encoded batches are the broker's to check: garbage, a length of 256 MiB with
        // a few bytes behind it, a million records claimed in a tiny batch, a flipped byte.
        let good_batch = encoded_batch(b"encoded by the producer");
        check(
            call(
                &address,
                PRODUCE,
                GRPC,
                message_frame(&produce_batch_request("wire", &good_batch)),
            )
            .await,
            &[OK],
            "a good producer batch",
        );
        let mut huge_length = good_batch.clone();
        huge_length[8..12].copy_from_slice(&(256u32 << 20).to_be_bytes());
        let mut million_records = good_batch.clone();
        million_records[19..23].copy_from_slice(&999_999u32.to_be_bytes());
        million_records[39..43].copy_from_slice(&1_000_000u32.to_be_bytes());
        let mut flipped = good_batch.clone();
        let last = flipped.len() - 1;
        flipped[last] ^= 0x20;
        for (what, batch) in [
            ("a garbage producer batch", b"\x00\x01garbage".to_vec()),
            ("a producer batch declaring 256 MiB", huge_length),
            (
                "a producer batch claiming a million records",
                million_records,
            ),
            ("a producer batch with a flipped byte", flipped),
            ("an empty producer batch", Vec::new()),
        ] {
            check(
                call(
                    &address,
                    PRODUCE,
                    GRPC,
                    message_frame(&produce_batch_request("wire", &batch)),
                )
                .await,
                &[INVALID_ARGUMENT],
                what,
            );
        }
        let truncated = frame(false, 100, &[0x0a, 0x02, b'h', b'i']);
        check(
            call(&address, PRODUCE, GRPC, truncated).await,
            &[INVALID_ARGUMENT],
            "a frame cut short",
        );
        let half_header = vec![0u8, 0, 0];
        check(
            call(&address, PRODUCE, GRPC, half_header).await,
            &[INVALID_ARGUMENT],
            "half a frame header",
        );
        // gRPC's spec: a compressed message without grpc-encoding MUST fail with INTERNAL.
        let compressed = frame(true, 4, b"abcd");
        check(
            call(&address, PRODUCE, GRPC, compressed).await,
            &[INTERNAL],
            "a compressed message without an encoding",
        );
        check(
            call(&address, PRODUCE, GRPC, Vec::new()).await,
            &[INTERNAL],
            "no message at all",
        );
        check(
            call(
                &address,
                "/flashq.v1.Produce/Nope",
                GRPC,
                message_frame(b""),
            )
            .await,
            &[UNIMPLEMENTED],
            "an unknown method",
        );
        tried += 1;
        assert_refused(
            &call(&address, PRODUCE, "text/plain", b"hello".to_vec()).await,
            "not gRPC at all",
        );

        // Random frames, random bodies and random truncations: any error, never a crash.
        let mut rng = Rng(0x5eed_f1a5_4a11_cafe);
        for _ in 0..300 {
            let message = match rng.below(4) {
                0 => rng.bytes(200),
                // A valid request with a few bytes changed.
                1 => {
                    let mut m = produce_request("wire", &rng.bytes(64));
                    for _ in 0..=rng.below(3) {
                        let at = rng.below(m.len() as u64) as usize;
                        m[at] = rng.next() as u8;
                    }
                    m
                }
                2 => field(2, &rng.bytes(100)),
                // A producer batch with a few bytes changed (or random bytes as a batch).
                _ => {
                    let mut batch = encoded_batch(&rng.bytes(64));
                    for _ in 0..=rng.below(3) {
                        let at = rng.below(batch.len() as u64) as usize;
                        batch[at] = rng.next() as u8;
                    }
                    produce_batch_request("wire", &batch)
                }
            };
            let declared = match rng.below(4) {
                0 => rng.next() as u32,
                _ => message.len() as u32,
            };
            let body = frame(rng.below(8) == 0, declared, &message);
            tried += 1;
            // Garbage may happen to be a valid request (records are free-form): any answer is
            // fine as long as there is one.
            let _ = call(&address, PRODUCE, GRPC, body).await;
        }
    });
    assert_serving(&broker);
    let peak = peak_rss_bytes(pid);
    assert!(
        peak < 512 << 20,
        "the broker's peak memory reached {peak} bytes after requests declaring 4 GiB"
    );
    eprintln!(
        "{tried} hostile requests; broker peak RSS {} MiB",
        peak >> 20
    );
}

#[test]
fn bytes_that_are_not_http2_close_the_connection_and_nothing_else() {
    let broker = TestBroker::start(&[]);
    runtime().block_on(async {
        for garbage in [
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            vec![0u8; 4096],
            b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\xff\xff\xff\xff\xff\xff\xff\xff\xff".to_vec(),
        ] {
            let mut tcp = TcpStream::connect(&broker.address).await.unwrap();
            let _ = tcp.write_all(&garbage).await;
            let mut sink = Vec::new();
            // The broker answers what it can and closes; it must not hang on to the connection.
            let read =
                tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut sink)).await;
            assert!(read.is_ok(), "the connection was left open");
        }
    });
    assert_serving(&broker);
}

/// A connection that completed the HTTP/2 handshake and one health check.
async fn healthy_connection(address: &str) -> Result<h2::client::SendRequest<Bytes>, String> {
    let tcp = TcpStream::connect(address)
        .await
        .map_err(|e| e.to_string())?;
    let (client, connection) = h2::client::handshake(tcp)
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = connection.await;
    });
    let mut client = client.ready().await.map_err(|e| e.to_string())?;
    let request = http::Request::builder()
        .method("POST")
        .uri(format!("http://{address}/grpc.health.v1.Health/Check"))
        .header("content-type", GRPC)
        .header("te", "trailers")
        .body(())
        .unwrap();
    let (response, mut send) = client
        .send_request(request, false)
        .map_err(|e| e.to_string())?;
    send.send_data(Bytes::from(message_frame(b"")), true)
        .map_err(|e| e.to_string())?;
    let response = tokio::time::timeout(Duration::from_secs(5), response)
        .await
        .map_err(|_| "no answer".to_string())?
        .map_err(|e| e.to_string())?;
    if response.status() != 200 {
        return Err(format!("HTTP {}", response.status()));
    }
    Ok(client)
}

#[test]
fn connections_over_the_limit_are_closed_at_once_and_a_freed_slot_is_taken_again() {
    let broker = TestBroker::start(&["--max-connections", "2"]);
    let address = broker.address.clone();
    runtime().block_on(async {
        let first = healthy_connection(&address)
            .await
            .expect("first connection");
        let second = healthy_connection(&address)
            .await
            .expect("second connection");
        // The third is accepted by the kernel, then closed by the broker without an answer.
        let started = Instant::now();
        let third = healthy_connection(&address).await;
        assert!(third.is_err(), "a third connection was served");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "refusing took {:?}",
            started.elapsed()
        );
        drop(first);
        // Once the broker sees the first one closed, its slot is free again.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match healthy_connection(&address).await {
                Ok(_) => break,
                Err(e) => assert!(Instant::now() < deadline, "no slot came free: {e}"),
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        drop(second);
    });
}

// Kafka's wire (`serve --kafka-listen`): size-prefixed request frames, built by hand here. A
// frame the broker will not serve closes the connection without an answer, as Kafka's brokers
// do; an ApiVersions of a version it does not speak gets version 0 of the answer with
// UNSUPPORTED_VERSION and the list (KIP-511). After each hostile input the broker answers a
// fresh ApiVersions request.

const API_VERSIONS: i16 = 18;
const METADATA: i16 = 3;
const PRODUCE_API: i16 = 0;
const FETCH: i16 = 1;
const CREATE_TOPICS: i16 = 19;
/// Kafka's error codes (org.apache.kafka.common.protocol.Errors).
const KAFKA_NONE: i16 = 0;
const KAFKA_INVALID_TOPIC: i16 = 17;
const KAFKA_UNSUPPORTED_VERSION: i16 = 35;
/// How long the broker may take to answer, or to close a connection it will not serve.
const KAFKA_ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// A request frame: length, header v1 (API key, version, correlation id, client id), body.
fn kafka_request(api_key: i16, version: i16, correlation_id: i32, body: &[u8]) -> Vec<u8> {
    let mut header = Vec::new();
    header.extend(api_key.to_be_bytes());
    header.extend(version.to_be_bytes());
    header.extend(correlation_id.to_be_bytes());
    header.extend((b"hostile".len() as i16).to_be_bytes());
    header.extend(b"hostile");
    kafka_frame(&header, body)
}

/// A request frame with header v2, the flexible versions' header: v1's and no tagged fields.
fn kafka_flexible_request(api_key: i16, version: i16, correlation_id: i32, body: &[u8]) -> Vec<u8> {
    let mut with_tags = vec![0u8];
    with_tags.extend(body);
    kafka_request(api_key, version, correlation_id, &with_tags)
}

fn kafka_frame(header: &[u8], body: &[u8]) -> Vec<u8> {
    let mut frame = ((header.len() + body.len()) as i32).to_be_bytes().to_vec();
    frame.extend(header);
    frame.extend(body);
    frame
}

/// A Kafka string: i16 length, then the bytes.
fn kafka_string(text: &str) -> Vec<u8> {
    let mut out = (text.len() as i16).to_be_bytes().to_vec();
    out.extend(text.as_bytes());
    out
}

fn kafka_connect(address: &str) -> std::net::TcpStream {
    let stream = std::net::TcpStream::connect(address).expect("connect to the Kafka port");
    stream.set_read_timeout(Some(KAFKA_ANSWER_TIMEOUT)).unwrap();
    stream
        .set_write_timeout(Some(KAFKA_ANSWER_TIMEOUT))
        .unwrap();
    stream
}

/// Reads one response frame (after its length): its correlation id and the rest.
fn read_kafka_answer(stream: &mut std::net::TcpStream) -> std::io::Result<(i32, Vec<u8>)> {
    let mut length = [0u8; 4];
    stream.read_exact(&mut length)?;
    let length = i32::from_be_bytes(length);
    assert!(
        (4..=1 << 20).contains(&length),
        "an answer of {length} bytes"
    );
    let mut frame = vec![0u8; length as usize];
    stream.read_exact(&mut frame)?;
    let correlation_id = i32::from_be_bytes(frame[..4].try_into().unwrap());
    Ok((correlation_id, frame.split_off(4)))
}

/// A big-endian reader of an answer's fields; running past the end fails the test.
struct Fields<'a>(&'a [u8]);

impl Fields<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        assert!(self.0.len() >= N, "the answer ends early");
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().unwrap()
    }
    fn i16(&mut self) -> i16 {
        i16::from_be_bytes(self.take())
    }
    fn i32(&mut self) -> i32 {
        i32::from_be_bytes(self.take())
    }
    fn string(&mut self) -> String {
        let length = self.i16();
        assert!(
            length >= 0 && self.0.len() >= length as usize,
            "a bad string"
        );
        let (text, rest) = self.0.split_at(length as usize);
        self.0 = rest;
        String::from_utf8(text.to_vec()).expect("a UTF-8 string")
    }
}

/// ApiVersions v0's answer: error code, then (API key, lowest, highest version) per API. The
/// body must hold exactly that.
fn decode_api_versions_v0(body: &[u8]) -> (i16, Vec<(i16, i16, i16)>) {
    let mut fields = Fields(body);
    let error = fields.i16();
    let count = fields.i32();
    assert!(
        (0..=1000).contains(&count),
        "ApiVersions lists {count} APIs"
    );
    let apis = (0..count)
        .map(|_| (fields.i16(), fields.i16(), fields.i16()))
        .collect();
    assert!(fields.0.is_empty(), "bytes after the API list");
    (error, apis)
}

/// Sends ApiVersions v0 on a fresh connection; returns the answer's error code and API list.
fn api_versions_v0(address: &str) -> (i16, Vec<(i16, i16, i16)>) {
    let mut stream = kafka_connect(address);
    stream
        .write_all(&kafka_request(API_VERSIONS, 0, 7, &[]))
        .expect("send ApiVersions");
    let (correlation_id, body) = read_kafka_answer(&mut stream).expect("an ApiVersions answer");
    assert_eq!(correlation_id, 7);
    decode_api_versions_v0(&body)
}

/// The broker answers ApiVersions v0 on a fresh connection: no error, ApiVersions listed.
fn assert_kafka_serving(address: &str, after: &str) {
    let (error, apis) = api_versions_v0(address);
    assert_eq!(error, KAFKA_NONE, "after {after}");
    assert!(
        apis.iter()
            .any(|&(key, min, max)| key == API_VERSIONS && min == 0 && max >= 3),
        "after {after}: ApiVersions is not listed in {apis:?}"
    );
}

/// The broker closes the connection without a byte of answer (a reset counts as closed).
fn assert_closed_without_answer(stream: &mut std::net::TcpStream, what: &str) {
    let mut answer = Vec::new();
    match stream.read_to_end(&mut answer) {
        Ok(_) => assert!(answer.is_empty(), "{what}: answered {answer:02x?}"),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => panic!("{what}: the connection was left open ({e})"),
    }
}

/// Sends `bytes` on a fresh connection, keeping it open for writing, and expects the broker to
/// close it without an answer.
fn assert_refused_kafka(address: &str, bytes: &[u8], what: &str) {
    let mut stream = kafka_connect(address);
    // The broker may close before it has read everything.
    let _ = stream.write_all(bytes);
    assert_closed_without_answer(&mut stream, what);
    assert_kafka_serving(address, what);
}

#[test]
fn hostile_bytes_on_the_kafka_port_close_the_connection_and_the_broker_keeps_serving() {
    let broker = common::kafka::kafka_broker();
    let address = broker.kafka_address.clone().unwrap();
    let pid = broker.pid().unwrap();
    let (error, apis) = api_versions_v0(&address);
    assert_eq!(error, KAFKA_NONE);

    // Not Kafka at all: "GET " is a frame of 1.2 GB.
    assert_refused_kafka(
        &address,
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "an HTTP request",
    );
    // Frame lengths that lie: 2 GiB (refused on the length alone, before any allocation),
    // negative, zero, and below the smallest request header.
    for (length, what) in [
        (0x7fff_ffff_u32, "a frame declaring 2 GiB"),
        (0xffff_ffff, "a frame declaring -1 bytes"),
        (0x8000_0000, "a frame declaring -2^31 bytes"),
        (0, "a frame declaring 0 bytes"),
        (9, "a frame shorter than a request header"),
    ] {
        let started = Instant::now();
        let mut bytes = length.to_be_bytes().to_vec();
        if length == 9 {
            bytes.extend([0u8; 9]);
        }
        assert_refused_kafka(&address, &bytes, what);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: refusing took {:?}",
            started.elapsed()
        );
    }
    for (api_key, what) in [
        (0x7fff, "API key 32767"),
        (-1, "API key -1"),
        (9999, "API key 9999"),
    ] {
        assert_refused_kafka(&address, &kafka_request(api_key, 0, 1, &[]), what);
    }
    // Versions this broker does not serve, of APIs it does: closed unanswered, as Kafka does.
    for (api_key, version, what) in [
        (METADATA, 99, "Metadata v99"),
        (FETCH, 0, "Fetch v0"),
        (PRODUCE_API, 2, "Produce v2 (before RecordBatch v2)"),
        (PRODUCE_API, 12, "Produce v12"),
        (METADATA, -1, "Metadata v-1"),
    ] {
        assert_refused_kafka(
            &address,
            &kafka_request(api_key, version, 1, &[0; 16]),
            what,
        );
    }
    // A request cut short: the length says 100, 20 bytes come, then the client closes.
    {
        let mut stream = kafka_connect(&address);
        let mut bytes = 100i32.to_be_bytes().to_vec();
        bytes.extend(&kafka_request(API_VERSIONS, 0, 1, &[0; 20])[4..20]);
        stream.write_all(&bytes).unwrap();
        stream.shutdown(std::net::Shutdown::Write).unwrap();
        assert_closed_without_answer(&mut stream, "a request cut short");
        assert_kafka_serving(&address, "a request cut short");
    }
    // Arrays and strings whose counts claim far more than the frame holds: the codec must
    // refuse them before it reserves memory for them (vendor/kafka-protocol's patches).
    let huge_array = 0x7fff_ffff_i32.to_be_bytes();
    // A compact array's length is an unsigned varint of count + 1: here 2^31.
    let huge_compact_array = [0x80, 0x80, 0x80, 0x80, 0x08];
    let mut produce_v3 = (-1i16).to_be_bytes().to_vec(); // no transactional id
    produce_v3.extend(1i16.to_be_bytes()); // acks
    produce_v3.extend(30_000i32.to_be_bytes()); // timeout
    produce_v3.extend(huge_array);
    let mut produce_v9 = vec![0u8]; // no transactional id
    produce_v9.extend(1i16.to_be_bytes());
    produce_v9.extend(30_000i32.to_be_bytes());
    produce_v9.extend(huge_compact_array);
    let mut create_topics = huge_array.to_vec();
    create_topics.extend([0u8; 5]);
    let mut one_huge_topic_name = 1i32.to_be_bytes().to_vec();
    one_huge_topic_name.extend(0x7fffi16.to_be_bytes());
    one_huge_topic_name.extend(b"abc");
    for (request, what) in [
        (
            kafka_request(METADATA, 0, 1, &huge_array),
            "Metadata v0 claiming 2^31-1 topics",
        ),
        (
            kafka_request(METADATA, 0, 1, &[huge_array.as_slice(), b"abcd"].concat()),
            "Metadata v0 claiming 2^31-1 topics, 4 bytes of them",
        ),
        (
            kafka_flexible_request(METADATA, 12, 1, &huge_compact_array),
            "Metadata v12 claiming 2^31-1 topics",
        ),
        (
            kafka_request(METADATA, 0, 1, &one_huge_topic_name),
            "Metadata v0 with a topic name of 32767 bytes in 3",
        ),
        (
            kafka_request(PRODUCE_API, 3, 1, &produce_v3),
            "Produce v3 claiming 2^31-1 topics",
        ),
        (
            kafka_flexible_request(PRODUCE_API, 9, 1, &produce_v9),
            "Produce v9 claiming 2^31-1 topics",
        ),
        (
            kafka_request(CREATE_TOPICS, 2, 1, &create_topics),
            "CreateTopics v2 claiming 2^31-1 topics",
        ),
        (
            // The header's client id claims 32767 bytes of a 12-byte frame.
            kafka_frame(&[0, 18, 0, 0, 0, 0, 0, 1, 0x7f, 0xff, b'a', b'b'], &[]),
            "a client id of 32767 bytes in 2",
        ),
    ] {
        assert_refused_kafka(&address, &request, what);
    }

    // Random frames and mutated requests: any answer or a close, never a crash. Each goes on
    // its own connection, left without waiting (a mutated request may be a valid long poll).
    let mut rng = Rng(0x6b61_666b_6120_6865);
    let seeds = [
        kafka_request(API_VERSIONS, 0, 1, &[]),
        kafka_request(METADATA, 0, 1, &[huge_array.as_slice(), b"abcd"].concat()),
        kafka_request(METADATA, 0, 1, &[1, 0, 0, 0, 0, 1, b'x']),
        kafka_request(PRODUCE_API, 3, 1, &produce_v3),
        kafka_flexible_request(METADATA, 12, 1, &[1, 1, 0]),
    ];
    for _ in 0..300 {
        let mut frame = match rng.below(3) {
            0 => {
                let body = rng.bytes(64);
                kafka_frame(&body, &[])
            }
            _ => seeds[rng.below(seeds.len() as u64) as usize].clone(),
        };
        for _ in 0..=rng.below(4) {
            if frame.len() > 4 {
                let at = 4 + rng.below((frame.len() - 4) as u64) as usize;
                frame[at] = rng.next() as u8;
            }
        }
        if let Ok(mut stream) = std::net::TcpStream::connect(&address) {
            let _ = stream.write_all(&frame);
        }
    }
    assert_kafka_serving(&address, "300 random requests");

    // The list did not change under all that, and the broker's memory never came near what
    // the lengths claimed.
    assert_eq!(api_versions_v0(&address).1, apis);
    assert_serving(&broker);
    let peak = peak_rss_bytes(pid);
    assert!(
        peak < 500 << 20,
        "the broker's peak memory reached {peak} bytes"
    );
}

#[test]
fn an_api_versions_request_of_an_unsupported_version_gets_version_0_unsupported_version_and_the_list()
 {
    let broker = common::kafka::kafka_broker();
    let address = broker.kafka_address.clone().unwrap();
    let (_, apis) = api_versions_v0(&address);
    for version in [4, 99, i16::MAX] {
        let mut stream = kafka_connect(&address);
        // What a newer client sends: a flexible header and a body this broker cannot know.
        let request = kafka_flexible_request(API_VERSIONS, version, 41, b"\x07flashq\x041.0\x00");
        stream.write_all(&request).unwrap();
        let (correlation_id, body) = read_kafka_answer(&mut stream).expect("an answer");
        assert_eq!(correlation_id, 41, "ApiVersions v{version}");
        let (error, listed) = decode_api_versions_v0(&body);
        assert_eq!(error, KAFKA_UNSUPPORTED_VERSION, "ApiVersions v{version}");
        assert_eq!(listed, apis, "ApiVersions v{version}");
        // The answer is exactly version 0's: error, count, 6 bytes per API.
        assert_eq!(body.len(), 2 + 4 + 6 * apis.len());
        // The client retries on the same connection with a version from the list.
        stream
            .write_all(&kafka_request(API_VERSIONS, 0, 42, &[]))
            .unwrap();
        let (correlation_id, body) = read_kafka_answer(&mut stream).expect("a second answer");
        assert_eq!(correlation_id, 42);
        assert_eq!(decode_api_versions_v0(&body), (KAFKA_NONE, apis.clone()));
    }
}

/// Topic names that are not one safe path component.
const UNSAFE_TOPIC_NAMES: &[&str] = &["../escape", "..", "a/b", "bad name"];

/// Asks for `name` with Metadata v0, which creates the topics it names (auto-creation, as
/// Kafka did then); returns the topic's error code, checking it came with no partitions.
fn metadata_v0_topic_error(address: &str, name: &str) -> i16 {
    let mut body = 1i32.to_be_bytes().to_vec();
    body.extend(kafka_string(name));
    let mut stream = kafka_connect(address);
    stream
        .write_all(&kafka_request(METADATA, 0, 5, &body))
        .unwrap();
    let (correlation_id, answer) = read_kafka_answer(&mut stream).expect("a Metadata answer");
    assert_eq!(correlation_id, 5);
    let mut fields = Fields(&answer);
    for _ in 0..fields.i32() {
        let (_node, _host, _port) = (fields.i32(), fields.string(), fields.i32());
    }
    assert_eq!(fields.i32(), 1, "{name:?}: one topic in the answer");
    let error = fields.i16();
    assert_eq!(fields.string(), name);
    assert_eq!(fields.i32(), 0, "{name:?}: partitions of an invalid topic");
    assert!(fields.0.is_empty(), "{name:?}: bytes after the topic");
    error
}

#[test]
fn a_metadata_request_for_a_topic_named_to_escape_the_data_dir_is_refused_and_creates_nothing() {
    let broker = common::kafka::kafka_broker();
    let address = broker.kafka_address.clone().unwrap();
    for name in UNSAFE_TOPIC_NAMES {
        assert_ne!(
            metadata_v0_topic_error(&address, name),
            KAFKA_NONE,
            "{name:?}"
        );
    }
    let topics_dir = broker.data_dir.join("topics");
    let left: Vec<_> = std::fs::read_dir(&topics_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "{left:?} in {}", topics_dir.display());
    assert!(!broker.data_dir.join("escape").exists());
    assert_kafka_serving(&address, "unsafe topic names");
}

#[test]
fn a_metadata_request_for_an_invalid_topic_name_gets_invalid_topic_exception() {
    let broker = common::kafka::kafka_broker();
    let address = broker.kafka_address.clone().unwrap();
    for name in UNSAFE_TOPIC_NAMES {
        assert_eq!(
            metadata_v0_topic_error(&address, name),
            KAFKA_INVALID_TOPIC,
            "{name:?}"
        );
    }
}

/// What a flooding client tries to send.
const FLOOD_BYTES: usize = 200 << 20;
/// How long the flood test may take: the broker's write timeout for a client that does not
/// read (30 s, `WRITE_TIMEOUT_MS`) and room around it.
const FLOOD_TIMEOUT: Duration = Duration::from_secs(120);

/// How a flooding client's sending ended.
#[derive(Debug)]
enum FloodEnd {
    /// Every byte was taken.
    AllSent,
    /// The broker closed (or reset) the connection.
    ClosedByBroker(String),
    /// The deadline passed with writes blocked.
    StillBlocked,
}

/// Sends `request` over and over on `stream` without ever reading, until whole requests of
/// [`FLOOD_BYTES`] went out, the broker closes the connection or `deadline` passes. Returns how
/// it ended, the bytes the kernel took and the stream (left open).
fn flood(
    mut stream: std::net::TcpStream,
    request: &[u8],
    deadline: Instant,
) -> (FloodEnd, usize, std::net::TcpStream) {
    use std::io::ErrorKind;
    let chunk = request.repeat(((64 << 10) / request.len()).max(1));
    let budget = FLOOD_BYTES / request.len() * request.len();
    stream
        .set_write_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let (mut sent, mut at) = (0, 0);
    let end = loop {
        if sent >= budget {
            break FloodEnd::AllSent;
        }
        if Instant::now() > deadline {
            break FloodEnd::StillBlocked;
        }
        let until_budget = (budget - sent).min(chunk.len() - at);
        match stream.write(&chunk[at..at + until_budget]) {
            Ok(0) => break FloodEnd::ClosedByBroker("write returned 0".to_string()),
            Ok(n) => {
                sent += n;
                at = (at + n) % chunk.len();
            }
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted
                ) => {}
            Err(e) => break FloodEnd::ClosedByBroker(e.to_string()),
        }
    };
    (end, sent, stream)
}

/// A Produce v3 request (acks=1) of one batch of `records` records of `value_bytes` each to
/// partition 0 of `topic`.
fn kafka_produce_request(topic: &str, records: usize, value_bytes: usize) -> Vec<u8> {
    let records: Vec<_> = (0..records)
        .map(|i| flashq::storage::Record {
            timestamp_ms: 1_700_000_000_000 + i as i64,
            key: None,
            value: Bytes::from(vec![b'v'; value_bytes]),
            headers: vec![],
        })
        .collect();
    let stored = flashq::storage::batch::StoredBatch::encode(0, &records);
    let mut batch = bytes::BytesMut::new();
    flashq::kafka::records::to_kafka(&stored, 0, &mut batch);
    let mut body = (-1i16).to_be_bytes().to_vec(); // no transactional id
    body.extend(1i16.to_be_bytes()); // acks
    body.extend(30_000i32.to_be_bytes()); // timeout
    body.extend(1i32.to_be_bytes());
    body.extend(kafka_string(topic));
    body.extend(1i32.to_be_bytes());
    body.extend(0i32.to_be_bytes()); // partition
    body.extend((batch.len() as i32).to_be_bytes());
    body.extend(&batch);
    kafka_request(PRODUCE_API, 3, 1, &body)
}

#[test]
fn kafka_clients_that_never_read_their_answers_leave_the_broker_bounded_and_serving_others() {
    // fsync never: the test is about memory and the wire, not the disk.
    let broker = TestBroker::start(&["--kafka-listen", "127.0.0.1:0", "--fsync", "never"]);
    let address = broker.kafka_address.clone().unwrap();
    let pid = broker.pid().unwrap();
    // Twenty topics of eight partitions make each all-topics Metadata answer about 6 KB, for a
    // request of 25 bytes: a client that never reads fills its socket buffers fast.
    for i in 0..20 {
        let name = format!("flood-{i:02}-{}", "x".repeat(90));
        broker
            .cmd()
            .args(["topic", "create", &name, "-p", "8"])
            .assert()
            .success();
    }
    broker
        .cmd()
        .args(["topic", "create", "flood-produce", "-p", "1"])
        .assert()
        .success();
    let metadata = kafka_request(METADATA, 0, 1, &0i32.to_be_bytes());
    let (produce_records, produce_value_bytes) = (4, 256 << 10);
    let produce = kafka_produce_request("flood-produce", produce_records, produce_value_bytes);
    let produce_requests = FLOOD_BYTES / produce.len();

    let deadline = Instant::now() + FLOOD_TIMEOUT;
    let flooders: Vec<_> = [metadata, produce]
        .into_iter()
        .map(|request| {
            let stream = std::net::TcpStream::connect(&address).unwrap();
            std::thread::spawn(move || flood(stream, &request, deadline))
        })
        .collect();
    // Meanwhile, fresh clients are answered at once.
    let mut answered = 0;
    let started = Instant::now();
    let done = common::wait_until(FLOOD_TIMEOUT, || {
        let asked = Instant::now();
        assert_kafka_serving(&address, "while two clients flood it");
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "ApiVersions took {:?} during the flood",
            asked.elapsed()
        );
        answered += 1;
        flooders.iter().all(|f| f.is_finished())
    });
    assert!(done, "the flood did not end within {FLOOD_TIMEOUT:?}");
    let mut ends = flooders.into_iter().map(|f| f.join().unwrap());
    let (metadata_end, metadata_sent, _metadata_stream) = ends.next().unwrap();
    let (produce_end, produce_sent, _produce_stream) = ends.next().unwrap();
    eprintln!(
        "Metadata flood: {metadata_end:?} after {metadata_sent} bytes; Produce flood: \
         {produce_end:?} after {produce_sent} bytes; {answered} ApiVersions answered meanwhile \
         in {:?}",
        started.elapsed()
    );
    // The Metadata client's answers filled the sockets: the broker stopped reading from it and
    // closed it once an answer could not be written for the write timeout.
    match metadata_end {
        FloodEnd::ClosedByBroker(how) => eprintln!("the Metadata flood ended: {how}"),
        other => panic!(
            "the client that never read was not cut off: {other:?} after {metadata_sent} bytes"
        ),
    }
    // The Produce client's small answers fit in the sockets: all 200 MB were read and stored.
    assert!(matches!(produce_end, FloodEnd::AllSent), "{produce_end:?}");
    let expected_records = (produce_requests * produce_records) as u64;
    common::wait_for_json(
        Duration::from_secs(30),
        "every flooded produce stored",
        || {
            common::json_of(
                broker
                    .cmd()
                    .args(["topic", "describe", "flood-produce", "-o", "json"]),
            )
        },
        |topic| topic["records"] == expected_records,
    );
    assert_kafka_serving(&address, "the flood");
    assert_serving(&broker);
    let peak = peak_rss_bytes(pid);
    eprintln!("broker peak RSS {} MiB", peak >> 20);
    assert!(
        peak < 500 << 20,
        "the broker's peak memory reached {peak} bytes under the flood"
    );
}

/// Sends one request on a fresh connection and reads whatever comes back (an answer of any
/// size, or none) until the broker closes the connection or has answered once; returns the
/// bytes of the answer.
fn send_and_drain(address: &str, request: &[u8]) -> usize {
    let mut stream = kafka_connect(address);
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let _ = stream.write_all(request);
    let mut received = Vec::new();
    let mut chunk = vec![0u8; 1 << 20];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => received.extend(&chunk[..n]),
        }
        if received.len() >= 4 {
            let length = u32::from_be_bytes(received[..4].try_into().unwrap()) as usize;
            if received.len() >= 4 + length {
                break;
            }
        }
    }
    received.len()
}

/// One request of about 15 MiB, well within the request size limit, whose millions of tiny
/// entries must not cost the broker memory many times its size.
fn assert_one_request_leaves_memory_bounded(request: Vec<u8>, what: &str) {
    let broker = common::kafka::kafka_broker();
    let address = broker.kafka_address.clone().unwrap();
    let pid = broker.pid().unwrap();
    broker
        .cmd()
        .args(["topic", "create", "bounded", "-p", "1"])
        .assert()
        .success();
    let answer_bytes = send_and_drain(&address, &request);
    let peak = peak_rss_bytes(pid);
    eprintln!(
        "{what}: a request of {} bytes, an answer of {answer_bytes} bytes, broker peak RSS {} MiB",
        request.len(),
        peak >> 20
    );
    assert_kafka_serving(&address, what);
    assert!(
        peak < 500 << 20,
        "{what}: a request of {} bytes took the broker's memory to {peak} bytes",
        request.len()
    );
}

/// Entries in the requests below: 2 to 8 bytes each on the wire, about 15 MiB in all.
const MILLIONS: usize = 2_000_000;

#[test]
fn a_metadata_request_naming_one_topic_millions_of_times_leaves_memory_bounded() {
    let names = 4 * MILLIONS;
    let mut body = (names as i32).to_be_bytes().to_vec();
    body.extend(b"\x00\x00".repeat(names));
    assert_one_request_leaves_memory_bounded(
        kafka_request(METADATA, 0, 1, &body),
        "Metadata v0 naming one topic 8 million times",
    );
}

#[test]
fn a_produce_request_with_millions_of_partition_entries_leaves_memory_bounded() {
    let mut body = (-1i16).to_be_bytes().to_vec(); // no transactional id
    body.extend(1i16.to_be_bytes()); // acks
    body.extend(30_000i32.to_be_bytes()); // timeout
    body.extend(1i32.to_be_bytes());
    body.extend(kafka_string("bounded"));
    body.extend((MILLIONS as i32).to_be_bytes());
    for _ in 0..MILLIONS {
        body.extend(0i32.to_be_bytes()); // partition 0
        body.extend((-1i32).to_be_bytes()); // null records
    }
    assert_one_request_leaves_memory_bounded(
        kafka_request(PRODUCE_API, 3, 1, &body),
        "Produce v3 with 2 million partition entries",
    );
}
