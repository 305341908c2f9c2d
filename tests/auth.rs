//! Token authentication and per-topic ACLs (`serve --auth-tokens`), driven by the real binary.

mod common;

use std::path::PathBuf;

use common::{TestBroker, flashq_cmd, stdout_of};
use predicates::prelude::*;

const BILLING: &str = "billing-token-0123456789";
const OPS: &str = "ops-token-0123456789abcdef";

fn tokens_file(dir: &std::path::Path) -> PathBuf {
    let path = dir.join("tokens.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[[principal]]
name = "billing"
token = "{BILLING}"
produce = ["billing."]
consume = ["billing."]

[[principal]]
name = "ops"
token = "{OPS}"
consume = ["*"]
admin = ["*"]
"#
        ),
    )
    .unwrap();
    path
}

fn as_principal(broker: &TestBroker, token: &str) -> assert_cmd::Command {
    let mut cmd = broker.cmd();
    cmd.env("FLASHQ_TOKEN", token);
    cmd
}

#[test]
fn tokens_authenticate_and_rights_follow_topic_prefixes() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let broker = TestBroker::start(&["--auth-tokens", tokens.to_str().unwrap()]);

    // No token, or an unknown one: UNAUTHENTICATED, exit 9.
    broker
        .cmd()
        .args(["topic", "list"])
        .assert()
        .code(9)
        .stderr(predicate::str::contains("requires a token"));
    as_principal(&broker, "not-a-known-token-at-all")
        .args(["topic", "list"])
        .assert()
        .code(9)
        .stderr(predicate::str::contains("not known"));

    // Admin rights create topics; billing has none.
    for topic in ["billing.invoices", "shared.events"] {
        as_principal(&broker, OPS)
            .args(["topic", "create", topic])
            .assert()
            .success();
    }
    as_principal(&broker, BILLING)
        .args(["topic", "create", "billing.new"])
        .assert()
        .code(9)
        .stderr(predicate::str::contains("no admin right"));

    // Produce and consume rights per prefix.
    as_principal(&broker, BILLING)
        .args(["produce", "-t", "billing.invoices", "--value", "inv-1"])
        .assert()
        .success();
    as_principal(&broker, BILLING)
        .args(["produce", "-t", "shared.events"])
        .write_stdin("x\n")
        .assert()
        .code(9)
        .stderr(predicate::str::contains("no produce right"));
    as_principal(&broker, OPS)
        .args(["produce", "-t", "billing.invoices", "--value", "nope"])
        .assert()
        .code(9);
    let out = stdout_of(
        as_principal(&broker, BILLING)
            .args(["consume", "-t", "billing.invoices"])
            .assert()
            .success(),
    );
    assert_eq!(out, "inv-1\n");
    as_principal(&broker, BILLING)
        .args(["consume", "-t", "shared.events"])
        .assert()
        .code(9);

    // A principal lists only the topics it holds some right on.
    let listed = stdout_of(
        as_principal(&broker, BILLING)
            .args(["topic", "list", "-o", "json"])
            .assert()
            .success(),
    );
    let names: Vec<String> = serde_json::from_str::<serde_json::Value>(&listed)
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, ["billing.invoices"]);
}

#[test]
fn health_stays_open_and_bad_tokens_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tokens = tokens_file(dir.path());
    let broker = TestBroker::start(&["--auth-tokens", tokens.to_str().unwrap()]);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", broker.address))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut health = tonic_health::pb::health_client::HealthClient::new(channel);
        let status = health
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
            .unwrap()
            .into_inner()
            .status();
        assert_eq!(
            status,
            tonic_health::pb::health_check_response::ServingStatus::Serving
        );
    });

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[principal]]\nname = \"short\"\ntoken = \"abc\"\n").unwrap();
    flashq_cmd()
        .args(["serve", "--listen", "127.0.0.1:0", "--auth-tokens"])
        .arg(&bad)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .assert()
        .code(5)
        .stderr(
            predicate::str::contains("shorter than").and(predicate::str::contains("abc").not()),
        );
}
