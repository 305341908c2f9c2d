//! The gRPC contract generated from `proto/flashq/v1`. Only `server`, `client` and, to call
//! peers, `cluster` use it.

pub mod address;
pub mod codec;
mod records;

#[allow(clippy::all, missing_docs)]
pub mod v1 {
    tonic::include_proto!("flashq.v1");
    // The servers, generated apart with [`super::codec::RequestCodec`] (see build.rs).
    include!(concat!(env!("OUT_DIR"), "/servers/flashq.v1.rs"));

    /// The encoded descriptor set, for server reflection.
    pub const FILE_DESCRIPTOR_SET: &[u8] = tonic::include_file_descriptor_set!("flashq_descriptor");
}

/// The gRPC metadata key of a NOT_LEADER answer (FAILED_PRECONDITION) in a cluster: the
/// partition leader's broker id, or `none` while the partition has no leader. Clients refresh
/// their metadata and go to the leader.
pub const NOT_LEADER_KEY: &str = "flashq-not-leader";

/// The gRPC metadata key of a NOT_COORDINATOR answer (FAILED_PRECONDITION) in a cluster: the
/// id of the broker that coordinates the group, or `none` while no broker does. Clients look the
/// coordinator up again (`Cluster.FindCoordinator`) and go there.
pub const NOT_COORDINATOR_KEY: &str = "flashq-not-coordinator";
