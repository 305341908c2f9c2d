//! Hostile bytes on the wire against a real broker: malformed gRPC messages, length prefixes
//! that lie, oversized requests, bytes that are not HTTP/2 at all, and more connections than
//! `--max-connections`. Every bad input gets an error status (or a closed connection), never a
//! crash, never an allocation the size of what a length field claims; the broker serves
//! normally afterwards.
//!
//! The requests are built by hand with `h2` (raw HTTP/2): tonic's client would refuse to send
//! most of them.

mod common;

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
