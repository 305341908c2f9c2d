//! The accept loop: a bound on concurrent client connections.
//!
//! Each accepted connection takes a permit from a semaphore and holds it for its whole life (the
//! permit lives inside the connection's I/O object, which the server drops when the connection
//! ends). A connection that finds no permit is closed at once: the broker is at its limit, and a
//! prompt close lets the client fail fast and retry (or go elsewhere) instead of hanging in the
//! listen backlog. Each refusal is counted; a warning with the count is logged at most once per
//! [`REFUSAL_WARNING_INTERVAL`], so a flood of connections cannot flood the log too.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::Stream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::transport::server::{Connected, TcpConnectInfo};

/// At most one "refused connections" warning per this interval.
pub const REFUSAL_WARNING_INTERVAL: Duration = Duration::from_secs(10);
/// Pause after a failed accept (for example EMFILE: out of file descriptors), so the loop does not
/// spin while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// A client connection holding one of the broker's connection permits.
pub struct LimitedConnection {
    stream: TcpStream,
    /// Returned to the semaphore when the server drops the connection.
    _permit: OwnedSemaphorePermit,
}

/// Accepts connections from `listener`, at most `max_connections` open at once; connections
/// over the limit are closed as soon as they are accepted.
pub fn limited(
    listener: TcpListener,
    max_connections: usize,
) -> impl Stream<Item = std::io::Result<LimitedConnection>> + Send + 'static {
    let accept = AcceptLoop {
        listener,
        permits: Arc::new(Semaphore::new(max_connections)),
        max_connections,
        refused_since_warning: 0,
        last_warning: None,
        last_accept_error: None,
    };
    futures::stream::unfold(accept, |mut accept| async move {
        let connection = accept.next().await;
        Some((Ok(connection), accept))
    })
}

struct AcceptLoop {
    listener: TcpListener,
    permits: Arc<Semaphore>,
    max_connections: usize,
    refused_since_warning: u64,
    last_warning: Option<Instant>,
    last_accept_error: Option<Instant>,
}

impl AcceptLoop {
    /// The next connection within the limit.
    async fn next(&mut self) -> LimitedConnection {
        loop {
            let (stream, peer) = match self.listener.accept().await {
                Ok(accepted) => accepted,
                Err(e) => {
                    if self
                        .last_accept_error
                        .is_none_or(|at| at.elapsed() >= REFUSAL_WARNING_INTERVAL)
                    {
                        tracing::warn!(error = %e, "accepting a connection failed");
                        self.last_accept_error = Some(Instant::now());
                    }
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            };
            match Arc::clone(&self.permits).try_acquire_owned() {
                Ok(permit) => {
                    // Small RPCs must not wait for Nagle's algorithm.
                    let _ = stream.set_nodelay(true);
                    return LimitedConnection {
                        stream,
                        _permit: permit,
                    };
                }
                Err(_) => {
                    drop(stream);
                    self.refused(peer);
                }
            }
        }
    }

    fn refused(&mut self, peer: std::net::SocketAddr) {
        self.refused_since_warning += 1;
        if self
            .last_warning
            .is_none_or(|at| at.elapsed() >= REFUSAL_WARNING_INTERVAL)
        {
            tracing::warn!(
                %peer,
                max_connections = self.max_connections,
                refused = self.refused_since_warning,
                "refused connections: the broker serves at most max_connections clients at once (serve --max-connections)"
            );
            self.refused_since_warning = 0;
            self.last_warning = Some(Instant::now());
        }
    }
}

impl Connected for LimitedConnection {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.stream.connect_info()
    }
}

impl AsyncRead for LimitedConnection {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for LimitedConnection {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
