//! How engine errors become gRPC statuses: each kind of error gets its own code.

use tonic::{Code, Status};

use crate::broker::BrokerError;
use crate::broker::group::GroupError;
use crate::storage::StorageError;

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
                | GroupError::JoinSuperseded { .. } => Code::Aborted,
                GroupError::NotEmpty { .. }
                | GroupError::InconsistentAssignor { .. }
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
        StorageError::OffsetOutOfRange { .. } => Code::OutOfRange,
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
