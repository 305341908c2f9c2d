//! docs/api.md's status codes, the comments in proto/ and the broker's mapping of errors to codes
//! (`server/status.rs`, the request codec and the message limits) say the same thing; so does
//! every doc that states the topic-name rule.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::api_doc::{
    code_name as name, codes_in, per_rpc_codes, repo_file, section, table_codes,
};

use flashq::broker::BrokerError;
use flashq::broker::group::{Assignor, GroupError};
use flashq::cluster::ClusterError;
use flashq::server::status::{COMMON_STATUS_CODES, RPC_STATUS_CODES};
use flashq::storage::StorageError;
use flashq::storage::batch::BatchError;
use tonic::Code;

fn names(codes: &[Code]) -> BTreeSet<String> {
    codes.iter().map(|c| name(*c).to_string()).collect()
}

fn constant_per_rpc() -> BTreeMap<String, BTreeSet<String>> {
    RPC_STATUS_CODES
        .iter()
        .map(|(rpc, codes)| (rpc.to_string(), names(codes)))
        .collect()
}

#[test]
fn api_md_lists_for_every_rpc_exactly_the_codes_the_broker_declares() {
    assert_eq!(per_rpc_codes(), constant_per_rpc());
    let doc = repo_file("docs/api.md");
    assert_eq!(
        table_codes(&section(&doc, "### Every RPC")),
        names(COMMON_STATUS_CODES)
    );
    // Every code any RPC answers is explained, and nothing else is.
    let mut answered = names(COMMON_STATUS_CODES);
    for codes in constant_per_rpc().values() {
        answered.extend(codes.iter().cloned());
    }
    assert_eq!(
        table_codes(&section(&doc, "### What each code means")),
        answered
    );
}

/// Every client RPC in proto/ with the comment lines right above it.
fn proto_rpcs() -> BTreeMap<String, String> {
    let mut rpcs = BTreeMap::new();
    for file in ["produce", "fetch", "subscribe", "admin", "group", "cluster"] {
        let text = repo_file(&format!("proto/flashq/v1/{file}.proto"));
        let mut service = "";
        let mut comment = String::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some(rest) = trimmed.strip_prefix("service ") {
                service = rest.split_whitespace().next().unwrap_or("");
            }
            if let Some(text) = trimmed.strip_prefix("//") {
                comment.push_str(text);
                comment.push('\n');
                continue;
            }
            if let Some(rest) = trimmed.strip_prefix("rpc ")
                && service != "ClusterPeer"
            {
                let rpc = rest.split('(').next().unwrap().trim().to_string();
                rpcs.insert(rpc, std::mem::take(&mut comment));
            }
            comment.clear();
        }
    }
    rpcs
}

#[test]
fn the_proto_comment_of_every_rpc_names_its_codes() {
    let rpcs = proto_rpcs();
    let constant = constant_per_rpc();
    assert_eq!(
        rpcs.keys().collect::<Vec<_>>(),
        constant.keys().collect::<Vec<_>>(),
        "the client RPCs in proto/ and in server/status.rs"
    );
    for (rpc, comment) in &rpcs {
        assert_eq!(&codes_in(comment), &constant[rpc], "the comment of {rpc}");
    }
}

/// One error of every kind the engine has. The matches have no catch-all arm, so a new kind
/// does not compile here until it is added (and its code documented).
fn every_engine_error() -> Vec<BrokerError> {
    let storage = || {
        vec![
            StorageError::RecordTooLarge {
                index: 0,
                size_bytes: 2,
                limit_bytes: 1,
            },
            StorageError::BatchTooLarge {
                size_bytes: 2,
                limit_bytes: 1,
            },
            StorageError::TooManyHeaders {
                index: 0,
                count: 2,
                limit: 1,
            },
            StorageError::BadRecordCount { count: 0 },
            StorageError::OffsetOutOfRange {
                offset: 9,
                start_offset: 0,
                end_offset: 1,
            },
            StorageError::Corrupt {
                path: "x".into(),
                position: 0,
                reason: "y".into(),
            },
            StorageError::InvalidBatch(BatchError::BadLength { length: 0 }),
            StorageError::NoSpace("full".into()),
            StorageError::DirLocked { path: "x".into() },
            StorageError::Closed,
            StorageError::InvalidName {
                name: "..".into(),
                reason: "y".into(),
            },
            StorageError::Io {
                context: "x".into(),
                source: std::io::Error::other("y"),
            },
            StorageError::OutOfOrderSequence {
                producer_id: 1,
                producer_epoch: 0,
                expected: Some(5),
                found: 9,
            },
            StorageError::ProducerFenced {
                producer_id: 1,
                producer_epoch: 0,
                current_epoch: 1,
            },
            StorageError::DuplicateSequence {
                producer_id: 1,
                producer_epoch: 0,
                sequence: 0,
            },
        ]
    };
    for e in storage() {
        match e {
            StorageError::RecordTooLarge { .. }
            | StorageError::BatchTooLarge { .. }
            | StorageError::TooManyHeaders { .. }
            | StorageError::BadRecordCount { .. }
            | StorageError::OffsetOutOfRange { .. }
            | StorageError::Corrupt { .. }
            | StorageError::InvalidBatch(_)
            | StorageError::NoSpace(_)
            | StorageError::DirLocked { .. }
            | StorageError::Closed
            | StorageError::InvalidName { .. }
            | StorageError::Io { .. }
            | StorageError::OutOfOrderSequence { .. }
            | StorageError::ProducerFenced { .. }
            | StorageError::DuplicateSequence { .. } => {}
        }
    }
    let groups = vec![
        GroupError::NotFound("g".into()),
        GroupError::UnknownMember {
            group: "g".into(),
            member_id: "m".into(),
        },
        GroupError::StaleGeneration {
            group: "g".into(),
            member_id: "m".into(),
            generation: 1,
            current: 2,
        },
        GroupError::NotEmpty {
            group: "g".into(),
            members: 1,
            action: "a".into(),
        },
        GroupError::InconsistentAssignor {
            group: "g".into(),
            current: Assignor::Range,
            requested: Assignor::Sticky,
        },
        GroupError::JoinSuperseded {
            group: "g".into(),
            member_id: "m".into(),
        },
        GroupError::TooManyMembers { group: "g".into() },
        GroupError::TooManyGroups,
        GroupError::InconsistentProtocol {
            group: "g".into(),
            reason: "r".into(),
        },
        GroupError::RebalanceInProgress { group: "g".into() },
        GroupError::NotCoordinator {
            group: "g".into(),
            coordinator: Some(2),
        },
    ];
    for e in &groups {
        match e {
            GroupError::NotFound(_)
            | GroupError::UnknownMember { .. }
            | GroupError::StaleGeneration { .. }
            | GroupError::NotEmpty { .. }
            | GroupError::InconsistentAssignor { .. }
            | GroupError::JoinSuperseded { .. }
            | GroupError::TooManyMembers { .. }
            | GroupError::TooManyGroups
            | GroupError::InconsistentProtocol { .. }
            | GroupError::RebalanceInProgress { .. }
            | GroupError::NotCoordinator { .. } => {}
        }
    }
    let mut errors = vec![
        BrokerError::TopicNotFound("t".into()),
        BrokerError::PartitionNotFound {
            topic: "t".into(),
            partition: 1,
            partitions: 1,
        },
        BrokerError::TopicExists("t".into()),
        BrokerError::InvalidArgument("x".into()),
        BrokerError::FailedPrecondition("x".into()),
        BrokerError::ShuttingDown,
        BrokerError::NotLeader {
            partition: 0,
            leader: Some(2),
        },
        BrokerError::Unavailable("x".into()),
        BrokerError::Internal("x".into()),
    ];
    for e in &errors {
        match e {
            BrokerError::TopicNotFound(_)
            | BrokerError::PartitionNotFound { .. }
            | BrokerError::TopicExists(_)
            | BrokerError::InvalidArgument(_)
            | BrokerError::FailedPrecondition(_)
            | BrokerError::ShuttingDown
            | BrokerError::NotLeader { .. }
            | BrokerError::Unavailable(_)
            | BrokerError::Storage(_)
            | BrokerError::PartitionWrite { .. }
            | BrokerError::Group(_)
            | BrokerError::Internal(_) => {}
        }
    }
    errors.extend(storage().into_iter().map(BrokerError::Storage));
    errors.extend(
        storage()
            .into_iter()
            .map(|source| BrokerError::PartitionWrite {
                topic: "t".into(),
                partition: 0,
                source,
            }),
    );
    errors.extend(groups.into_iter().map(BrokerError::Group));
    errors
}

#[test]
fn every_code_the_broker_maps_an_error_to_is_documented_and_every_documented_code_has_a_cause() {
    let doc = repo_file("docs/api.md");
    let explained = table_codes(&section(&doc, "### What each code means"));
    let mut mapped: BTreeSet<String> = every_engine_error()
        .into_iter()
        .map(|e| name(tonic::Status::from(e).code()).to_string())
        .collect();
    for e in [
        ClusterError::Unavailable("x".into()),
        ClusterError::NotController(None),
        ClusterError::Rejected("x".into()),
        ClusterError::Config("x".into()),
        ClusterError::Storage("x".into()),
    ] {
        match &e {
            ClusterError::Unavailable(_)
            | ClusterError::NotController(_)
            | ClusterError::Rejected(_)
            | ClusterError::Config(_)
            | ClusterError::Storage(_) => {}
        }
        mapped.insert(name(tonic::Status::from(e).code()).to_string());
    }
    for code in &mapped {
        assert!(
            explained.contains(code),
            "{code} is answered but not explained in api.md"
        );
    }
    // Documented codes come from the mapping, the codec and message limits (INVALID_ARGUMENT,
    // RESOURCE_EXHAUSTED), authentication (UNAUTHENTICATED, PERMISSION_DENIED) or the gRPC
    // library (CANCELLED, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL for framing).
    let from_elsewhere = names(&[
        Code::InvalidArgument,
        Code::ResourceExhausted,
        Code::Unauthenticated,
        Code::PermissionDenied,
        Code::Cancelled,
        Code::DeadlineExceeded,
        Code::Unimplemented,
        Code::Internal,
    ]);
    for code in &explained {
        assert!(
            mapped.contains(code) || from_elsewhere.contains(code),
            "{code} is documented but nothing answers it"
        );
    }
    // The client RPCs never see OK as an error, nor UNKNOWN.
    assert!(!explained.contains("OK") && !explained.contains("UNKNOWN"));
}

/// The one way every doc states the name rule.
const NAME_RULE: &str = "1 to 249 characters of `[A-Za-z0-9._-]`, not starting with `.`";

#[test]
fn every_doc_states_the_one_topic_name_rule() {
    assert!(NAME_RULE.contains(&flashq::storage::names::MAX_NAME_BYTES.to_string()));
    for doc in ["docs/api.md", "docs/storage.md"] {
        let text = repo_file(doc);
        assert!(
            text.contains(NAME_RULE),
            "{doc} does not state {NAME_RULE:?}"
        );
    }
    for doc in [
        "docs/api.md",
        "docs/storage.md",
        "docs/operations.md",
        "docs/architecture.md",
        "README.md",
        "proto/flashq/v1/admin.proto",
    ] {
        let text = repo_file(doc);
        for stale in ["1-249", "200 bytes", "not `.` or `..`"] {
            assert!(!text.contains(stale), "{doc} still says {stale:?}");
        }
    }
    // The edges of the rule itself.
    let check = flashq::storage::names::validate_name;
    assert!(check("topic", &"x".repeat(249)).is_ok());
    assert!(check("topic", &"x".repeat(250)).is_err());
    assert!(check("topic", ".x").is_err());
    assert!(check("topic", "x.").is_ok());
}
