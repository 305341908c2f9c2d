//! ApiVersions: the APIs and versions this broker answers. A client picks, per API, the
//! highest version both sides have; an API not listed here is not served (its requests close
//! the connection, as an unknown API does on Kafka's brokers).

use kafka_protocol::messages::ApiKey;
use kafka_protocol::messages::api_versions_response::{ApiVersion, ApiVersionsResponse};

use super::errors;

/// Each served API with its lowest and highest version. The highest are those whose fields
/// this broker fills truthfully: beyond them Kafka added topic ids (Produce 13, Fetch 13),
/// transactions v2 or share groups, which FlashQ does not have.
///
/// Produce is listed from version 0 although versions 0-2 (message formats before v2) are
/// refused: librdkafka reads a Produce minimum above 0 as a broker too old for it
/// (KAFKA-18659), as Kafka 4.0 learned.
pub const SUPPORTED_VERSIONS: &[(ApiKey, i16, i16)] = &[
    (ApiKey::Produce, 0, 11),
    (ApiKey::Fetch, 4, 12),
    (ApiKey::ListOffsets, 1, 7),
    (ApiKey::Metadata, 0, 12),
    (ApiKey::ApiVersions, 0, 3),
    (ApiKey::CreateTopics, 2, 7),
    (ApiKey::DeleteTopics, 1, 6),
    (ApiKey::InitProducerId, 0, 4),
    (ApiKey::OffsetForLeaderEpoch, 2, 4),
    (ApiKey::DescribeConfigs, 1, 4),
    (ApiKey::CreatePartitions, 0, 3),
    (ApiKey::FindCoordinator, 0, 4),
    (ApiKey::JoinGroup, 0, 7),
    (ApiKey::SyncGroup, 0, 5),
    (ApiKey::Heartbeat, 0, 4),
    (ApiKey::LeaveGroup, 0, 4),
    (ApiKey::OffsetCommit, 2, 8),
    (ApiKey::OffsetFetch, 1, 7),
    (ApiKey::DescribeGroups, 0, 5),
    (ApiKey::ListGroups, 0, 4),
    (ApiKey::DeleteGroups, 0, 2),
    // Listed from 0, which librdkafka requires to see before it authenticates at all; a client
    // that then sends version 0's raw token instead of SaslAuthenticate is disconnected.
    (ApiKey::SaslHandshake, 0, 1),
    (ApiKey::SaslAuthenticate, 0, 2),
];

/// Produce versions listed but refused (the message formats before RecordBatch v2).
const PRODUCE_MIN_DECODED_VERSION: i16 = 3;

/// Whether `version` of `api` is served.
pub fn is_supported(api: ApiKey, version: i16) -> bool {
    if api == ApiKey::Produce && version < PRODUCE_MIN_DECODED_VERSION {
        return false;
    }
    SUPPORTED_VERSIONS
        .iter()
        .any(|(key, min, max)| *key == api && (*min..=*max).contains(&version))
}

fn api_list() -> Vec<ApiVersion> {
    SUPPORTED_VERSIONS
        .iter()
        .map(|(key, min, max)| {
            let mut api = ApiVersion::default();
            api.api_key = *key as i16;
            api.min_version = *min;
            api.max_version = *max;
            api
        })
        .collect()
}

pub fn response() -> ApiVersionsResponse {
    let mut response = ApiVersionsResponse::default();
    response.api_keys = api_list();
    response
}

/// The answer to an ApiVersions request of a version this broker does not speak: version 0,
/// UNSUPPORTED_VERSION and the list, so the client retries with one it finds there.
pub fn unsupported_version_response() -> ApiVersionsResponse {
    let mut response = response();
    response.error_code = errors::UNSUPPORTED_VERSION;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_version_is_one_the_codec_decodes_and_encodes() {
        for (key, min, max) in SUPPORTED_VERSIONS {
            let codec = key.valid_versions();
            let lowest = if *key == ApiKey::Produce {
                PRODUCE_MIN_DECODED_VERSION
            } else {
                *min
            };
            assert!(
                codec.min <= lowest && *max <= codec.max,
                "{key:?} {min}..={max}"
            );
        }
    }
}
