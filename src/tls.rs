//! TLS settings for the gRPC listener (`ServerTls`), the Kafka listener (`StreamTls`) and for
//! clients (`ClientTls`), read from PEM files.
//!
//! The TLS itself is rustls (with ring) inside tonic; this module reads and checks the files so
//! that a missing, oversized or malformed one is reported by path before anything starts, and
//! builds tonic's configs with the handshake time limit. The server and the client both import
//! it; it imports nothing else of FlashQ. The metrics endpoint stays plain HTTP.

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tonic::transport::{Certificate, ClientTlsConfig, Identity, ServerTlsConfig};

/// The largest PEM file read: certificate chains and keys are a few KiB, so anything larger is
/// the wrong file.
pub const MAX_PEM_FILE_BYTES: u64 = 1024 * 1024;
/// How long a TLS handshake may take, on either side, before the connection is dropped: a peer
/// that connects and never finishes the handshake must not hold a connection forever.
pub const TLS_HANDSHAKE_TIMEOUT_MS: u64 = 10_000;

/// A PEM file that cannot be used: which file and why.
#[derive(Debug, thiserror::Error)]
#[error("{}: {problem}", path.display())]
pub struct PemFileError {
    pub path: PathBuf,
    pub problem: String,
}

impl PemFileError {
    fn new(path: &Path, problem: impl Into<String>) -> Self {
        PemFileError {
            path: path.to_path_buf(),
            problem: problem.into(),
        }
    }
}

/// TLS settings that the TLS library rejected as a whole (a key that does not belong to its
/// certificate, a CA that is not a CA certificate, ...).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TlsConfigError(String);

/// Reads up to [`MAX_PEM_FILE_BYTES`] of `path`.
fn read_pem_file(path: &Path) -> Result<Vec<u8>, PemFileError> {
    let file = std::fs::File::open(path).map_err(|e| PemFileError::new(path, e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(MAX_PEM_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| PemFileError::new(path, e.to_string()))?;
    if bytes.len() as u64 > MAX_PEM_FILE_BYTES {
        return Err(PemFileError::new(
            path,
            format!("larger than {MAX_PEM_FILE_BYTES} bytes: not a PEM certificate or key"),
        ));
    }
    Ok(bytes)
}

/// What a PEM syntax error says, without the raw bytes the library's message would dump.
fn pem_problem(error: &pem::Error) -> String {
    match error {
        pem::Error::MissingSectionEnd { .. } => "a PEM section has no END line".to_string(),
        pem::Error::IllegalSectionStart { .. } => "a PEM BEGIN line is malformed".to_string(),
        pem::Error::Base64Decode(e) => format!("a PEM section is not valid base64: {e}"),
        other => format!("not valid PEM: {other}"),
    }
}

/// Reads one or more PEM certificates (`-----BEGIN CERTIFICATE-----`) from `path`: a chain
/// (leaf first) for an identity, or the CA certificates to trust.
pub fn read_certificates(path: &Path) -> Result<Certificate, PemFileError> {
    let pem = read_pem_file(path)?;
    let mut found = 0usize;
    for certificate in CertificateDer::pem_slice_iter(&pem) {
        certificate.map_err(|e| PemFileError::new(path, pem_problem(&e)))?;
        found += 1;
    }
    if found == 0 {
        return Err(PemFileError::new(
            path,
            "holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
        ));
    }
    Ok(Certificate::from_pem(pem))
}

/// Reads a certificate chain and its unencrypted private key (PKCS#8, PKCS#1 or SEC1 PEM).
pub fn read_identity(cert_path: &Path, key_path: &Path) -> Result<Identity, PemFileError> {
    let certificates = read_certificates(cert_path)?;
    let key = read_pem_file(key_path)?;
    match PrivateKeyDer::from_pem_slice(&key) {
        Ok(_) => Ok(Identity::from_pem(certificates.into_inner(), key)),
        Err(pem::Error::NoItemsFound) => Err(PemFileError::new(
            key_path,
            "holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)",
        )),
        Err(e) => Err(PemFileError::new(key_path, pem_problem(&e))),
    }
}

/// The message of an error and of every error under it, so the TLS library's reason is shown.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

/// TLS on the gRPC listener: the broker's certificate and key and, for mutual TLS, the CA whose
/// client certificates it accepts (then a client without one is refused during the handshake).
#[derive(Clone)]
pub struct ServerTls {
    config: ServerTlsConfig,
    requires_client_certificates: bool,
}

impl ServerTls {
    /// Checks the settings as a whole now, so a key that does not match its certificate stops
    /// the broker at startup instead of failing every handshake later.
    pub fn new(identity: Identity, client_ca: Option<Certificate>) -> Result<Self, TlsConfigError> {
        let requires_client_certificates = client_ca.is_some();
        let mut config = ServerTlsConfig::new()
            .identity(identity)
            .timeout(Duration::from_millis(TLS_HANDSHAKE_TIMEOUT_MS));
        if let Some(ca) = client_ca {
            config = config.client_ca_root(ca);
        }
        tonic::transport::Server::builder()
            .tls_config(config.clone())
            .map_err(|e| TlsConfigError(error_chain(&e)))?;
        Ok(ServerTls {
            config,
            requires_client_certificates,
        })
    }

    /// Whether clients must show a certificate signed by the client CA (mutual TLS).
    pub fn requires_client_certificates(&self) -> bool {
        self.requires_client_certificates
    }

    /// tonic's form of these settings.
    pub fn tonic_config(&self) -> ServerTlsConfig {
        self.config.clone()
    }
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field(
                "requires_client_certificates",
                &self.requires_client_certificates,
            )
            .finish_non_exhaustive()
    }
}

/// TLS on a plain TCP listener (the Kafka listener): the same certificate, key and client CA as
/// the gRPC listener's, as a rustls acceptor, since Kafka's protocol does not go through tonic.
#[derive(Clone)]
pub struct StreamTls {
    acceptor: tokio_rustls::TlsAcceptor,
}

impl StreamTls {
    /// Reads the broker's certificate chain and key and, for mutual TLS, the client CA.
    pub fn load(
        cert_path: &Path,
        key_path: &Path,
        client_ca: Option<&Path>,
    ) -> Result<Self, TlsConfigError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let chain = |path: &Path| -> Result<Vec<CertificateDer<'static>>, TlsConfigError> {
            let pem = read_pem_file(path).map_err(|e| TlsConfigError(e.to_string()))?;
            CertificateDer::pem_slice_iter(&pem)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| TlsConfigError(format!("{}: {}", path.display(), pem_problem(&e))))
        };
        let certificates = chain(cert_path)?;
        let key_pem = read_pem_file(key_path).map_err(|e| TlsConfigError(e.to_string()))?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem)
            .map_err(|e| TlsConfigError(format!("{}: {}", key_path.display(), pem_problem(&e))))?;
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsConfigError(e.to_string()))?;
        let builder = match client_ca {
            None => builder.with_no_client_auth(),
            Some(path) => {
                let mut roots = rustls::RootCertStore::empty();
                for ca in chain(path)? {
                    roots
                        .add(ca)
                        .map_err(|e| TlsConfigError(format!("{}: {e}", path.display())))?;
                }
                let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                    Arc::new(roots),
                    provider,
                )
                .build()
                .map_err(|e| TlsConfigError(format!("{}: {e}", path.display())))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let config = builder
            .with_single_cert(certificates, key)
            .map_err(|e| TlsConfigError(e.to_string()))?;
        Ok(StreamTls {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        })
    }

    /// Runs the server side of the handshake on `stream`, for at most
    /// [`TLS_HANDSHAKE_TIMEOUT_MS`].
    pub async fn accept(
        &self,
        stream: tokio::net::TcpStream,
    ) -> Result<tokio_rustls::server::TlsStream<tokio::net::TcpStream>, String> {
        match tokio::time::timeout(
            Duration::from_millis(TLS_HANDSHAKE_TIMEOUT_MS),
            self.acceptor.accept(stream),
        )
        .await
        {
            Ok(Ok(stream)) => Ok(stream),
            Ok(Err(e)) => Err(format!("TLS handshake failed: {e}")),
            Err(_) => Err("TLS handshake timed out".to_string()),
        }
    }
}

impl fmt::Debug for StreamTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamTls").finish_non_exhaustive()
    }
}

/// TLS to a broker: the CA certificates that signed the broker's certificate and, for brokers
/// that require mutual TLS, this client's certificate and key. The broker's certificate must
/// name the host (or IP address) the client connects to.
#[derive(Clone)]
pub struct ClientTls {
    ca: Certificate,
    identity: Option<Identity>,
}

impl ClientTls {
    pub fn new(ca: Certificate, identity: Option<Identity>) -> Self {
        ClientTls { ca, identity }
    }

    /// tonic's form of these settings.
    pub fn tonic_config(&self) -> ClientTlsConfig {
        let config = ClientTlsConfig::new()
            .ca_certificate(self.ca.clone())
            .timeout(Duration::from_millis(TLS_HANDSHAKE_TIMEOUT_MS));
        match &self.identity {
            Some(identity) => config.identity(identity.clone()),
            None => config,
        }
    }
}

/// Never prints the private key.
impl fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTls")
            .field("client_certificate", &self.identity.is_some())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn missing_garbage_and_oversized_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let error = read_certificates(&missing).unwrap_err();
        assert_eq!(error.path, missing);

        let garbage = write(dir.path(), "garbage.pem", b"not a certificate\n");
        let error = read_certificates(&garbage).unwrap_err();
        assert!(error.problem.contains("no PEM certificate"), "{error}");

        let torn = write(
            dir.path(),
            "torn.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n",
        );
        let error = read_certificates(&torn).unwrap_err();
        assert!(error.problem.contains("no END line"), "{error}");

        let big = write(
            dir.path(),
            "big.pem",
            &vec![b'A'; MAX_PEM_FILE_BYTES as usize + 1],
        );
        let error = read_certificates(&big).unwrap_err();
        assert!(error.problem.contains("larger than"), "{error}");
    }

    #[test]
    fn a_certificate_file_is_not_a_key() {
        let dir = tempfile::tempdir().unwrap();
        // Syntactically a PEM certificate; only the section kind matters to the key check.
        let cert = write(
            dir.path(),
            "cert.pem",
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        );
        let error = read_identity(&cert, &cert).unwrap_err();
        assert!(
            error.problem.contains("no unencrypted PEM private key"),
            "{error}"
        );
    }
}
