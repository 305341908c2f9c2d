//! Engine errors as Kafka error codes. Kafka's clients decide from the code alone whether to
//! retry, refresh their metadata or give up, so each engine error maps to the code whose
//! handling fits it (docs/kafka.md, "Errors").

use kafka_protocol::error::ResponseError;

use crate::broker::BrokerError;
use crate::broker::group::GroupError;
use crate::storage::StorageError;

pub const NONE: i16 = 0;
pub const UNSUPPORTED_VERSION: i16 = ResponseError::UnsupportedVersion.code();

/// The Kafka code of an engine error.
pub fn code(error: &BrokerError) -> i16 {
    use ResponseError as K;
    let kind = match error {
        BrokerError::TopicNotFound(_) | BrokerError::PartitionNotFound { .. } => {
            K::UnknownTopicOrPartition
        }
        BrokerError::TopicExists(_) => K::TopicAlreadyExists,
        BrokerError::InvalidArgument(_) => K::InvalidRequest,
        BrokerError::FailedPrecondition(_) => K::InvalidRequest,
        BrokerError::ShuttingDown => K::NotLeaderOrFollower,
        BrokerError::Unavailable(_) => K::NotEnoughReplicas,
        BrokerError::NotLeader { .. } => K::NotLeaderOrFollower,
        BrokerError::Internal(_) => K::UnknownServerError,
        BrokerError::Group(group) => match group {
            GroupError::NotFound(_) => K::GroupIdNotFound,
            GroupError::UnknownMember { .. } => K::UnknownMemberId,
            GroupError::StaleGeneration { .. } => K::IllegalGeneration,
            GroupError::JoinSuperseded { .. } => K::RebalanceInProgress,
            GroupError::NotEmpty { .. } => K::NonEmptyGroup,
            GroupError::InconsistentAssignor { .. } | GroupError::InconsistentProtocol { .. } => {
                K::InconsistentGroupProtocol
            }
            GroupError::RebalanceInProgress { .. } => K::RebalanceInProgress,
            GroupError::NotCoordinator { .. } => K::NotCoordinator,
            GroupError::TooManyMembers { .. } => K::GroupMaxSizeReached,
            GroupError::TooManyGroups => K::CoordinatorNotAvailable,
        },
        BrokerError::Storage(storage)
        | BrokerError::PartitionWrite {
            source: storage, ..
        } => storage_kind(storage),
    };
    kind.code()
}

fn storage_kind(error: &StorageError) -> ResponseError {
    use ResponseError as K;
    match error {
        StorageError::RecordTooLarge { .. } => K::MessageTooLarge,
        StorageError::BatchTooLarge { .. } | StorageError::BadRecordCount { .. } => {
            K::RecordListTooLarge
        }
        StorageError::TooManyHeaders { .. } | StorageError::InvalidBatch(_) => K::InvalidRecord,
        StorageError::InvalidName { .. } => K::InvalidTopicException,
        StorageError::OffsetOutOfRange { .. } => K::OffsetOutOfRange,
        StorageError::OutOfOrderSequence { .. } => K::OutOfOrderSequenceNumber,
        StorageError::ProducerFenced { .. } => K::InvalidProducerEpoch,
        StorageError::DuplicateSequence { .. } => K::DuplicateSequenceNumber,
        StorageError::NoSpace(_) => K::KafkaStorageError,
        StorageError::Closed => K::NotLeaderOrFollower,
        StorageError::DirLocked { .. } => K::KafkaStorageError,
        StorageError::Corrupt { .. } => K::KafkaStorageError,
        StorageError::Io { .. } => K::KafkaStorageError,
    }
}

/// The engine's message beside the code, where the response has room for one.
pub fn message(error: &BrokerError) -> Option<kafka_protocol::protocol::StrBytes> {
    Some(kafka_protocol::protocol::StrBytes::from_string(
        error.to_string(),
    ))
}
