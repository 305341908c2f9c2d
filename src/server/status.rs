//! How engine errors become gRPC statuses: each kind of error gets its own code. Also the
//! contract: which codes each RPC answers, as docs/api.md ("Status codes") and the comments in
//! `proto/` state it; `tests/api_docs.rs` holds the docs, the protos and this mapping together.

use tonic::{Code, Status};

use crate::broker::BrokerError;
use crate::broker::group::GroupError;
use crate::cluster::ClusterError;
use crate::storage::StorageError;

/// Codes any FlashQ RPC may answer: a request that does not decode or ends inside a message
/// (INVALID_ARGUMENT, `wire::codec` and `message_limits`), a message over its size limit
/// (RESOURCE_EXHAUSTED), no known token, the broker shutting down or the connection lost,
/// a broker fault or a gRPC framing violation (INTERNAL), an unknown method or compression,
/// and what the client library answers for a cancelled call or a passed deadline.
pub const COMMON_STATUS_CODES: &[Code] = &[
    Code::InvalidArgument,
    Code::ResourceExhausted,
    Code::Unauthenticated,
    Code::Unavailable,
    Code::Internal,
    Code::Unimplemented,
    Code::Cancelled,
    Code::DeadlineExceeded,
];

/// The codes each client RPC answers beyond [`COMMON_STATUS_CODES`], by method name.
pub const RPC_STATUS_CODES: &[(&str, &[Code])] = {
    use Code::*;
    &[
        (
            "Produce",
            &[
                InvalidArgument,
                NotFound,
                OutOfRange,
                AlreadyExists,
                Aborted,
                PermissionDenied,
                FailedPrecondition,
                ResourceExhausted,
                Unavailable,
            ],
        ),
        (
            "ProduceStream",
            &[
                InvalidArgument,
                NotFound,
                OutOfRange,
                AlreadyExists,
                Aborted,
                PermissionDenied,
                FailedPrecondition,
                ResourceExhausted,
                Unavailable,
            ],
        ),
        ("InitProducer", &[InvalidArgument, Unavailable]),
        (
            "Fetch",
            &[
                InvalidArgument,
                NotFound,
                OutOfRange,
                PermissionDenied,
                DataLoss,
                Unavailable,
            ],
        ),
        (
            "ListOffsets",
            &[
                InvalidArgument,
                NotFound,
                OutOfRange,
                PermissionDenied,
                DataLoss,
                Unavailable,
            ],
        ),
        (
            "Subscribe",
            &[
                InvalidArgument,
                NotFound,
                OutOfRange,
                PermissionDenied,
                DataLoss,
                Unavailable,
            ],
        ),
        (
            "CreateTopic",
            &[
                InvalidArgument,
                AlreadyExists,
                PermissionDenied,
                ResourceExhausted,
                Unavailable,
            ],
        ),
        ("ListTopics", &[]),
        (
            "DescribeTopic",
            &[InvalidArgument, NotFound, PermissionDenied],
        ),
        (
            "DeleteTopic",
            &[
                InvalidArgument,
                NotFound,
                PermissionDenied,
                ResourceExhausted,
                Unavailable,
            ],
        ),
        (
            "UpdateTopicConfig",
            &[
                InvalidArgument,
                NotFound,
                PermissionDenied,
                ResourceExhausted,
                Unavailable,
            ],
        ),
        (
            "CreatePartitions",
            &[
                InvalidArgument,
                NotFound,
                PermissionDenied,
                ResourceExhausted,
                Unavailable,
            ],
        ),
        (
            "JoinGroup",
            &[
                InvalidArgument,
                NotFound,
                Aborted,
                FailedPrecondition,
                ResourceExhausted,
                PermissionDenied,
                Unavailable,
            ],
        ),
        ("Heartbeat", &[InvalidArgument, Aborted, FailedPrecondition]),
        (
            "LeaveGroup",
            &[InvalidArgument, Aborted, FailedPrecondition],
        ),
        (
            "CommitOffsets",
            &[
                InvalidArgument,
                NotFound,
                Aborted,
                FailedPrecondition,
                PermissionDenied,
                ResourceExhausted,
                Unavailable,
            ],
        ),
        (
            "FetchOffsets",
            &[InvalidArgument, NotFound, FailedPrecondition],
        ),
        ("ListGroups", &[]),
        (
            "DescribeGroup",
            &[InvalidArgument, NotFound, FailedPrecondition],
        ),
        (
            "ResetOffsets",
            &[
                InvalidArgument,
                NotFound,
                FailedPrecondition,
                PermissionDenied,
                DataLoss,
                ResourceExhausted,
                Unavailable,
            ],
        ),
        (
            "DeleteGroup",
            &[
                InvalidArgument,
                NotFound,
                FailedPrecondition,
                PermissionDenied,
                ResourceExhausted,
                Unavailable,
            ],
        ),
        ("Metadata", &[]),
        ("FindCoordinator", &[InvalidArgument]),
        (
            "ReassignPartitions",
            &[
                InvalidArgument,
                PermissionDenied,
                FailedPrecondition,
                Unavailable,
            ],
        ),
        (
            "Rebalance",
            &[PermissionDenied, FailedPrecondition, Unavailable],
        ),
        (
            "AddBroker",
            &[PermissionDenied, FailedPrecondition, Unavailable],
        ),
        (
            "DecommissionBroker",
            &[PermissionDenied, FailedPrecondition, Unavailable],
        ),
        (
            "RemoveBroker",
            &[PermissionDenied, FailedPrecondition, Unavailable],
        ),
    ]
};

/// The codes `rpc` may answer: its own and the common ones; `None` for an unknown RPC.
pub fn codes_of(rpc: &str) -> Option<Vec<Code>> {
    let (_, own) = RPC_STATUS_CODES.iter().find(|(name, _)| *name == rpc)?;
    let mut codes: Vec<Code> = COMMON_STATUS_CODES.to_vec();
    codes.extend(own.iter().filter(|c| !COMMON_STATUS_CODES.contains(c)));
    Some(codes)
}

/// A cluster error as a client sees it (forwarded proposals, topic changes).
impl From<ClusterError> for Status {
    fn from(error: ClusterError) -> Status {
        match &error {
            ClusterError::Unavailable(_) => Status::unavailable(error.to_string()),
            ClusterError::NotController(_) => Status::failed_precondition(error.to_string()),
            ClusterError::Rejected(_) | ClusterError::Config(_) => {
                Status::failed_precondition(error.to_string())
            }
            ClusterError::Storage(_) => Status::internal(error.to_string()),
        }
    }
}

impl From<BrokerError> for Status {
    fn from(error: BrokerError) -> Status {
        let code = match &error {
            BrokerError::TopicNotFound(_) | BrokerError::PartitionNotFound { .. } => Code::NotFound,
            BrokerError::TopicExists(_) => Code::AlreadyExists,
            BrokerError::InvalidArgument(_) => Code::InvalidArgument,
            BrokerError::FailedPrecondition(_) => Code::FailedPrecondition,
            BrokerError::ShuttingDown | BrokerError::Unavailable(_) => Code::Unavailable,
            BrokerError::NotLeader { .. } => Code::FailedPrecondition,
            BrokerError::Internal(_) => Code::Internal,
            BrokerError::Group(group) => match group {
                GroupError::NotFound(_) => Code::NotFound,
                // The member must join again: its view of the group is out of date.
                GroupError::UnknownMember { .. }
                | GroupError::StaleGeneration { .. }
                | GroupError::JoinSuperseded { .. }
                | GroupError::RebalanceInProgress { .. } => Code::Aborted,
                GroupError::NotEmpty { .. }
                | GroupError::InconsistentAssignor { .. }
                | GroupError::InconsistentProtocol { .. }
                | GroupError::NotCoordinator { .. } => Code::FailedPrecondition,
                GroupError::TooManyMembers { .. } | GroupError::TooManyGroups => {
                    Code::ResourceExhausted
                }
            },
            BrokerError::Storage(storage)
            | BrokerError::PartitionWrite {
                source: storage, ..
            } => storage_code(storage),
        };
        let mut status = Status::new(code, error.to_string());
        // Which broker to go to instead, for clients to follow.
        let redirect = match &error {
            BrokerError::NotLeader { leader, .. } => Some((crate::wire::NOT_LEADER_KEY, *leader)),
            BrokerError::Group(GroupError::NotCoordinator { coordinator, .. }) => {
                Some((crate::wire::NOT_COORDINATOR_KEY, *coordinator))
            }
            _ => None,
        };
        if let Some((key, broker)) = redirect {
            let broker = broker.map_or("none".to_string(), |b| b.to_string());
            if let Ok(value) = broker.parse() {
                status.metadata_mut().insert(key, value);
            }
        }
        status
    }
}

/// The code of a storage error. A full disk is RESOURCE_EXHAUSTED (retry once space is freed);
/// a read-only or failing disk is UNAVAILABLE (retry later, or elsewhere).
fn storage_code(error: &StorageError) -> Code {
    match error {
        StorageError::RecordTooLarge { .. }
        | StorageError::BatchTooLarge { .. }
        | StorageError::TooManyHeaders { .. }
        | StorageError::BadRecordCount { .. }
        | StorageError::InvalidName { .. }
        | StorageError::InvalidBatch(_) => Code::InvalidArgument,
        // A gap in a producer's sequence: the earlier batch is still on its way (send it first).
        StorageError::OffsetOutOfRange { .. } | StorageError::OutOfOrderSequence { .. } => {
            Code::OutOfRange
        }
        // A newer session of the producer has written: this one must stop.
        StorageError::ProducerFenced { .. } => Code::Aborted,
        // Stored long ago, where is forgotten: not written again.
        StorageError::DuplicateSequence { .. } => Code::AlreadyExists,
        StorageError::NoSpace(_) => Code::ResourceExhausted,
        StorageError::Closed => Code::Unavailable,
        StorageError::DirLocked { .. } => Code::FailedPrecondition,
        StorageError::Corrupt { .. } => Code::DataLoss,
        StorageError::Io { .. } => Code::Unavailable,
    }
}

/// A request field that was required but absent or invalid.
pub fn invalid(message: impl Into<String>) -> Status {
    Status::invalid_argument(message)
}
