//! How a broker is named on the wire: `host:port` or an `http://` / `https://` URL. The client
//! dials these, and a cluster broker checks and dials its peers' with the same rules.

use tonic::transport::Endpoint;

/// `host:port` or a URL; a bare address gets `http://`.
pub fn normalize_address(address: &str) -> String {
    if address.contains("://") {
        address.to_string()
    } else {
        format!("http://{address}")
    }
}

/// Checks that `address` (`host:port` or a URL) can name a broker; returns it as a URL.
pub fn validate_address(address: &str) -> Result<String, String> {
    let address = normalize_address(address.trim());
    Endpoint::from_shared(address.clone()).map_err(|e| format!("not a broker address: {e}"))?;
    Ok(address)
}
