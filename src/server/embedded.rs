//! A whole broker inside the current process, on 127.0.0.1 port 0: for `flashq bench
//! --embedded`, `flashq demo` and tests that want a broker without a child process.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::broker::{Broker, BrokerConfig};
use crate::storage::Storage;

use super::ServeError;

/// A running in-process broker. Dropping it stops the server; [`EmbeddedBroker::stop`] also
/// waits for in-flight requests and closes the logs cleanly.
pub struct EmbeddedBroker {
    pub address: SocketAddr,
    pub broker: Arc<Broker>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<Result<(), ServeError>>>,
}

impl EmbeddedBroker {
    /// Opens the broker on `storage` and serves it on an ephemeral loopback port.
    pub async fn start(
        storage: Arc<dyn Storage>,
        config: BrokerConfig,
    ) -> Result<EmbeddedBroker, ServeError> {
        let broker = Arc::new(Broker::open(storage, config).await?);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(super::serve(broker.clone(), listener, async {
            let _ = stopped.await;
        }));
        Ok(EmbeddedBroker {
            address,
            broker,
            stop: Some(stop),
            server: Some(server),
        })
    }

    /// The address clients connect to, as a URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Stops serving, waits for in-flight requests, and closes every log.
    pub async fn stop(mut self) -> Result<(), ServeError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .map_err(|e| ServeError::Task(e.to_string()))??;
        }
        self.broker.close().await?;
        Ok(())
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
