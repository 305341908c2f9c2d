//! TLS and mutual TLS (`serve --tls-cert --tls-key [--tls-client-ca]`, clients `--tls-ca
//! [--tls-cert --tls-key]`), driven by the real binary with certificates made here by rcgen.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{RunningCommand, TestBroker, flashq_cmd, stdout_of, wait_until};
use predicates::prelude::*;
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};

const WAIT: Duration = Duration::from_secs(20);
/// A refused connection must fail this fast, far below the command timeout.
const REFUSAL_LIMIT: Duration = Duration::from_secs(10);

/// A certificate authority that can sign server and client certificates.
struct TestCa {
    cert_pem: String,
    issuer: Issuer<'static, KeyPair>,
}

impl TestCa {
    fn new(name: &str) -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.distinguished_name.push(DnType::CommonName, name);
        let key = KeyPair::generate().unwrap();
        let cert_pem = params.self_signed(&key).unwrap().pem();
        TestCa {
            cert_pem,
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf certificate and its key, as PEM.
    fn sign(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params.distinguished_name.push(DnType::CommonName, names[0]);
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// Every PEM file the tests use, in a temp dir.
struct Pki {
    dir: tempfile::TempDir,
    ca: PathBuf,
    server_cert: PathBuf,
    server_key: PathBuf,
    client_cert: PathBuf,
    client_key: PathBuf,
    /// A CA that signed nothing the broker uses.
    other_ca: PathBuf,
    /// A client certificate signed by the other CA.
    stranger_cert: PathBuf,
    stranger_key: PathBuf,
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn pki() -> Pki {
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new("FlashQ test CA");
    let other = TestCa::new("Someone else's CA");
    // The broker's certificate names both the IP the tests dial and localhost.
    let (server_cert, server_key) = ca.sign(
        &["localhost", "127.0.0.1"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (client_cert, client_key) =
        ca.sign(&["flashq-client"], ExtendedKeyUsagePurpose::ClientAuth);
    let (stranger_cert, stranger_key) =
        other.sign(&["stranger"], ExtendedKeyUsagePurpose::ClientAuth);
    let d = dir.path();
    Pki {
        ca: write(d, "ca.pem", &ca.cert_pem),
        server_cert: write(d, "server.pem", &server_cert),
        server_key: write(d, "server.key", &server_key),
        client_cert: write(d, "client.pem", &client_cert),
        client_key: write(d, "client.key", &client_key),
        other_ca: write(d, "other-ca.pem", &other.cert_pem),
        stranger_cert: write(d, "stranger.pem", &stranger_cert),
        stranger_key: write(d, "stranger.key", &stranger_key),
        dir,
    }
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

impl Pki {
    fn serve_args(&self) -> Vec<&str> {
        vec![
            "--tls-cert",
            path(&self.server_cert),
            "--tls-key",
            path(&self.server_key),
        ]
    }

    fn mutual_serve_args(&self) -> Vec<&str> {
        let mut args = self.serve_args();
        args.extend(["--tls-client-ca", path(&self.ca)]);
        args
    }
}

/// A client command for `broker` that trusts `ca`.
fn tls_cmd(broker: &TestBroker, ca: &Path) -> assert_cmd::Command {
    let mut cmd = broker.cmd();
    cmd.env("FLASHQ_TLS_CA", ca);
    cmd
}

/// Runs `cmd`, expects it to fail with `code` within [`REFUSAL_LIMIT`], and returns stderr.
fn refused(mut cmd: assert_cmd::Command, code: i32) -> String {
    let started = Instant::now();
    let output = cmd.output().unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(code), "stderr: {stderr}");
    assert!(took < REFUSAL_LIMIT, "took {took:?}: {stderr}");
    stderr
}

#[test]
fn every_client_command_works_over_tls() {
    let pki = pki();
    let broker = TestBroker::start(&pki.serve_args());

    tls_cmd(&broker, &pki.ca)
        .args(["topic", "create", "secure", "-p", "2"])
        .assert()
        .success();
    tls_cmd(&broker, &pki.ca)
        .args(["produce", "-t", "secure", "-q"])
        .write_stdin("one\ntwo\n")
        .assert()
        .success();
    let out = stdout_of(
        tls_cmd(&broker, &pki.ca)
            .args(["consume", "-t", "secure", "--format", "%v\\n"])
            .assert()
            .success(),
    );
    let mut values: Vec<&str> = out.lines().collect();
    values.sort();
    assert_eq!(values, ["one", "two"]);

    // The broker's certificate names localhost too; an explicit https:// URL works the same.
    let port = broker.address.rsplit(':').next().unwrap();
    let listed = stdout_of(
        tls_cmd(&broker, &pki.ca)
            .args(["--broker", &format!("https://localhost:{port}")])
            .args(["topic", "list"])
            .assert()
            .success(),
    );
    assert!(listed.contains("secure"), "{listed}");

    // Groups: consume as a member, then describe the group.
    tls_cmd(&broker, &pki.ca)
        .args(["consume", "-t", "secure", "--group", "g", "-q"])
        .assert()
        .success();
    let groups = stdout_of(
        tls_cmd(&broker, &pki.ca)
            .args(["group", "list"])
            .assert()
            .success(),
    );
    assert!(groups.contains('g'), "{groups}");

    // A server stream: subscribe sees a record produced after it started.
    let mut subscriber = RunningCommand::start(
        &broker.address,
        &[
            "--tls-ca",
            path(&pki.ca),
            "subscribe",
            "-t",
            "secure",
            "--format",
            "%v\\n",
        ],
    );
    assert!(subscriber.wait_for_stderr("subscribed", WAIT));
    tls_cmd(&broker, &pki.ca)
        .args(["produce", "-t", "secure", "-q", "--value", "live"])
        .assert()
        .success();
    assert!(wait_until(WAIT, || {
        subscriber.stdout_lines().iter().any(|l| l == "live")
    }));
    assert_eq!(subscriber.terminate(), Some(0));

    let bench = stdout_of(
        tls_cmd(&broker, &pki.ca)
            .args(["bench", "produce", "--records", "200", "--topic", "b"])
            .args(["-o", "json"])
            .assert()
            .success(),
    );
    let report: serde_json::Value = serde_json::from_str(bench.trim()).unwrap();
    assert_eq!(report["records"], 200);
}

#[test]
fn the_startup_line_says_tls_is_on() {
    let pki = pki();
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--storage", "memory"];
    args.extend(pki.mutual_serve_args());
    let mut broker = RunningCommand::start("unused", &args);
    assert!(broker.wait_for_stderr("TLS, client certificates required", WAIT));
    assert_eq!(broker.terminate(), Some(0));
}

#[test]
fn a_plain_text_client_is_refused_quickly_as_unreachable() {
    let pki = pki();
    let broker = TestBroker::start(&pki.serve_args());
    let mut cmd = broker.cmd();
    cmd.args(["topic", "list"]);
    let stderr = refused(cmd, 3);
    assert!(stderr.contains("--tls-ca"), "the hint names TLS: {stderr}");
}

#[test]
fn a_client_that_trusts_another_ca_is_refused() {
    let pki = pki();
    let broker = TestBroker::start(&pki.serve_args());
    let mut cmd = tls_cmd(&broker, &pki.other_ca);
    cmd.args(["topic", "list"]);
    let stderr = refused(cmd, 3);
    assert!(stderr.contains("certificate"), "{stderr}");
}

#[test]
fn a_tls_client_against_a_plain_text_broker_is_refused() {
    let pki = pki();
    let broker = TestBroker::start(&[]);
    let mut cmd = tls_cmd(&broker, &pki.ca);
    cmd.args(["topic", "list"]);
    refused(cmd, 3);
}

#[test]
fn mutual_tls_admits_only_clients_with_a_certificate_from_the_client_ca() {
    let pki = pki();
    let broker = TestBroker::start(&pki.mutual_serve_args());

    // No client certificate: the broker closes the connection, so it is unreachable, and the
    // hint says what to pass.
    let mut cmd = tls_cmd(&broker, &pki.ca);
    cmd.args(["topic", "list"]);
    let stderr = refused(cmd, 3);
    assert!(stderr.contains("--tls-cert and --tls-key"), "{stderr}");

    // A certificate from another CA: refused the same way.
    let mut cmd = tls_cmd(&broker, &pki.ca);
    cmd.env("FLASHQ_TLS_CERT", &pki.stranger_cert)
        .env("FLASHQ_TLS_KEY", &pki.stranger_key)
        .args(["topic", "list"]);
    refused(cmd, 3);

    // A certificate from the client CA: admitted, for writes and reads.
    let client = || {
        let mut cmd = tls_cmd(&broker, &pki.ca);
        cmd.args(["--tls-cert", path(&pki.client_cert)])
            .args(["--tls-key", path(&pki.client_key)]);
        cmd
    };
    client()
        .args(["produce", "-t", "mtls", "-q", "--value", "hi"])
        .assert()
        .success();
    client()
        .args(["consume", "-t", "mtls", "--format", "%v\\n"])
        .assert()
        .success()
        .stdout("hi\n");
}

#[test]
fn the_config_file_holds_the_client_tls_settings() {
    let pki = pki();
    let broker = TestBroker::start(&pki.mutual_serve_args());
    let config = pki.dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "broker = \"{}\"\ntls_ca = {:?}\ntls_cert = {:?}\ntls_key = {:?}\n",
            broker.address,
            pki.ca.to_str().unwrap(),
            pki.client_cert.to_str().unwrap(),
            pki.client_key.to_str().unwrap(),
        ),
    )
    .unwrap();
    flashq_cmd()
        .arg("--config")
        .arg(&config)
        .args(["produce", "-t", "configured", "-q", "--value", "v"])
        .assert()
        .success();
    // A flag's certificate and key replace the file's pair as a whole: a foreign one is refused.
    let mut cmd = flashq_cmd();
    cmd.arg("--config")
        .arg(&config)
        .args(["--tls-cert", path(&pki.stranger_cert)])
        .args(["--tls-key", path(&pki.stranger_key)])
        .args(["topic", "list"]);
    refused(cmd, 3);
}

#[test]
fn serve_refuses_missing_garbage_or_mismatched_tls_files_before_touching_the_data_dir() {
    let pki = pki();
    let garbage = write(pki.dir.path(), "garbage.pem", "this is not PEM\n");
    let missing = pki.dir.path().join("missing.pem");
    let data_dir = pki.dir.path().join("data");
    let serve = |args: &[&str]| {
        let mut cmd = flashq_cmd();
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&data_dir)
            .args(args)
            .timeout(REFUSAL_LIMIT);
        cmd
    };
    let key = path(&pki.server_key);
    let cert = path(&pki.server_cert);

    serve(&["--tls-cert", path(&missing), "--tls-key", key])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("missing.pem"));
    serve(&["--tls-cert", path(&garbage), "--tls-key", key])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("no PEM certificate"));
    serve(&["--tls-cert", cert, "--tls-key", path(&garbage)])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("no unencrypted PEM private key"));
    // Someone else's key for the broker's certificate.
    serve(&["--tls-cert", cert, "--tls-key", path(&pki.client_key)])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("TLS settings rejected"));
    let mut args = pki.serve_args();
    args.extend(["--tls-client-ca", path(&garbage)]);
    serve(&args)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("--tls-client-ca"));
    // Half a pair, or mutual TLS without TLS: usage errors.
    serve(&["--tls-cert", cert]).assert().code(2);
    serve(&["--tls-client-ca", path(&pki.ca)])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--tls-client-ca needs --tls-cert"));
    assert!(
        !data_dir.exists(),
        "a refused start must not create the data dir"
    );
}

#[test]
fn clients_refuse_bad_tls_settings_before_dialing() {
    let pki = pki();
    let missing = pki.dir.path().join("missing.pem");
    let client = |args: &[&str]| {
        let mut cmd = flashq_cmd();
        // Nobody listens on port 1: each case must fail on its settings, before any dialing.
        cmd.args(["--broker", "127.0.0.1:1"])
            .args(args)
            .args(["topic", "list"]);
        cmd
    };
    client(&["--tls-ca", path(&missing)])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("--tls-ca").and(predicate::str::contains("missing.pem")));
    client(&["--tls-ca", path(&pki.server_key)])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("no PEM certificate"));
    client(&[
        "--tls-ca",
        path(&pki.ca),
        "--tls-cert",
        path(&pki.client_cert),
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("go together"));
    client(&[
        "--tls-cert",
        path(&pki.client_cert),
        "--tls-key",
        path(&pki.client_key),
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("need --tls-ca"));
    // A certificate with someone else's key: rejected by the TLS library before dialing.
    client(&["--tls-ca", path(&pki.ca)])
        .args(["--tls-cert", path(&pki.client_cert)])
        .args(["--tls-key", path(&pki.server_key)])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("TLS settings rejected"));
    // The URL's scheme must agree with the TLS settings.
    flashq_cmd()
        .args(["--broker", "http://127.0.0.1:1", "--tls-ca", path(&pki.ca)])
        .args(["topic", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("http:// is plain text"));
    flashq_cmd()
        .args(["--broker", "https://127.0.0.1:1", "topic", "list"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("https:// needs TLS settings"));
}
