//! Certificates for cluster tests, made by rcgen: a CA and one broker certificate it signed.

use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

/// A new CA named `ca_name`, and a certificate it signed for brokers on 127.0.0.1 that allows
/// both server and client authentication (brokers dial each other with it): `(CA, certificate,
/// key)`, as PEM.
pub fn broker_pki(ca_name: &str) -> (String, String, String) {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    let ca_key = KeyPair::generate().unwrap();
    let ca_pem = ca_params.self_signed(&ca_key).unwrap().pem();
    let issuer = Issuer::new(ca_params, ca_key);
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    params.extended_key_usages = vec![
        ExtendedKeyUsagePurpose::ServerAuth,
        ExtendedKeyUsagePurpose::ClientAuth,
    ];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    (ca_pem, cert.pem(), key.serialize_pem())
}

/// [`broker_pki`] written to `dir` as `ca.pem`, `broker.pem` and `broker.key`: their paths.
pub fn broker_pki_files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let (ca, cert, key) = broker_pki("cluster CA");
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    (
        write("ca.pem", &ca),
        write("broker.pem", &cert),
        write("broker.key", &key),
    )
}
