//! Records between their wire form and the engine's: the services answer fetches and
//! subscriptions with them, and followers apply what their leader's replica fetch sent.

use super::v1 as pb;
use crate::protocol::record::{Header, Record, StoredRecord};

impl From<Header> for pb::Header {
    fn from(header: Header) -> pb::Header {
        pb::Header {
            key: header.key,
            value: header.value,
        }
    }
}

impl From<pb::Header> for Header {
    fn from(header: pb::Header) -> Header {
        Header {
            key: header.key,
            value: header.value,
        }
    }
}

impl From<StoredRecord> for pb::StoredRecord {
    fn from(stored: StoredRecord) -> pb::StoredRecord {
        let record = stored.record;
        pb::StoredRecord {
            offset: stored.offset,
            timestamp_ms: record.timestamp_ms,
            key: record.key,
            value: record.value,
            headers: record.headers.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<pb::StoredRecord> for StoredRecord {
    fn from(record: pb::StoredRecord) -> StoredRecord {
        StoredRecord {
            offset: record.offset,
            record: Record {
                timestamp_ms: record.timestamp_ms,
                key: record.key,
                value: record.value,
                headers: record.headers.into_iter().map(Into::into).collect(),
            },
        }
    }
}
