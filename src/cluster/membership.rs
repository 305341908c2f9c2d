//! Who is in the metadata quorum, changed on openraft's own membership changes: a broker joins
//! as a learner (`serve --join`), becomes a voter (`cluster add-broker`, or `--join-as-voter`),
//! and leaves (`cluster remove-broker`, once its replicas moved away). openraft makes each voter
//! change a joint configuration first, so no two majorities can decide apart.
//!
//! Every change runs on the controller; any broker forwards it there over `ClusterPeer`, as it
//! forwards metadata commands.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use openraft::ChangeMembers;
use openraft::error::{ClientWriteError, RaftError};
use serde::{Deserialize, Serialize};

use super::MetaNode;
use super::network::peer_client;
use super::node::{ClusterError, ClusterNode, PROPOSE_TIMEOUT_MS};
use super::state::{MetaCommand, MetaResponse, NodeId};
use crate::wire::v1::PeerPayload;

/// How far (in log entries) a learner may trail the controller's log and still be made a voter:
/// a voter far behind would hold up every commit while it catches up.
const MAX_PROMOTION_LAG_ENTRIES: u64 = 100;
/// How long a promotion waits for the learner to come within that lag.
const PROMOTION_WAIT_MS: u64 = 30_000;
/// How long a joining broker keeps asking its seed to add it.
pub const JOIN_TIMEOUT_MS: u64 = 30_000;

/// A change to the quorum's members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum MembershipChange {
    /// A broker joins as a learner: it copies the metadata log but does not vote.
    AddLearner { id: NodeId, address: String },
    /// A learner becomes a voter.
    Promote { id: NodeId },
    /// A voter or learner leaves the quorum.
    Remove { id: NodeId },
}

/// One broker's place in the quorum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuorumRole {
    Voter,
    Learner,
    /// Not in the quorum's membership (removed, or not joined yet).
    Outside,
}

impl ClusterNode {
    /// The voters and learners of the membership this broker knows, with their cluster
    /// addresses.
    pub fn members(&self) -> (BTreeSet<NodeId>, BTreeMap<NodeId, String>) {
        let metrics = self.raft().metrics().borrow().clone();
        let membership = metrics.membership_config.membership();
        let voters: BTreeSet<NodeId> = membership.voter_ids().collect();
        let nodes = membership
            .nodes()
            .map(|(id, node)| (*id, node.addr.clone()))
            .collect();
        (voters, nodes)
    }

    /// `id`'s place in the quorum as this broker knows it.
    pub fn quorum_role(&self, id: NodeId) -> QuorumRole {
        let (voters, nodes) = self.members();
        if voters.contains(&id) {
            QuorumRole::Voter
        } else if nodes.contains_key(&id) {
            QuorumRole::Learner
        } else {
            QuorumRole::Outside
        }
    }

    /// Where peers reach `id`: the membership's address, or `--peers`'s.
    pub fn peer_address(&self, id: NodeId) -> Option<String> {
        self.members()
            .1
            .remove(&id)
            .or_else(|| self.config().peers.get(&id).cloned())
    }

    /// Makes `change` through the controller, wherever it is; retries while no controller is
    /// known, up to `timeout`.
    pub async fn change_membership(
        &self,
        change: MembershipChange,
        timeout: Duration,
    ) -> Result<(), ClusterError> {
        let deadline = Instant::now() + timeout;
        loop {
            let controller = self.raft().metrics().borrow().current_leader;
            let attempt = match controller {
                Some(id) if id == self.id() => self.change_membership_here(change.clone()).await,
                Some(id) => match self.peer_address(id) {
                    Some(address) => self.forward_membership(&address, &change).await,
                    None => Err(ClusterError::NotController(None)),
                },
                None => Err(ClusterError::NotController(None)),
            };
            match attempt {
                Err(ClusterError::NotController(_)) if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(ClusterError::NotController(_)) => {
                    return Err(ClusterError::Unavailable(
                        "no controller answered the membership change".into(),
                    ));
                }
                other => return other,
            }
        }
    }

    /// Makes `change` if this broker is the controller.
    pub async fn change_membership_here(
        &self,
        change: MembershipChange,
    ) -> Result<(), ClusterError> {
        let raft = self.raft();
        let result = match change {
            MembershipChange::AddLearner { id, address } => {
                // Only a broker without a metadata log asks to join. A voter's place must not
                // go to it: it would vote without the entries the voter acknowledged, and could
                // elect a controller that lacks committed metadata.
                if self.quorum_role(id) == QuorumRole::Voter {
                    return Err(ClusterError::Rejected(format!(
                        "broker {id} is a voter of the cluster; a broker with an empty metadata directory cannot take its place: remove it first with `flashq cluster remove-broker {id}`"
                    )));
                }
                crate::wire::address::validate_address(&address).map_err(ClusterError::Rejected)?;
                // An id removed before may register again once it has joined.
                let admitted = self.propose_local(MetaCommand::AdmitBroker { id }).await?;
                if let MetaResponse::Rejected(reason) = admitted.response {
                    return Err(ClusterError::Rejected(reason));
                }
                raft.add_learner(id, MetaNode { addr: address }, false)
                    .await
                    .map(|_| ())
            }
            MembershipChange::Promote { id } => {
                match self.quorum_role(id) {
                    QuorumRole::Voter => return Ok(()),
                    QuorumRole::Outside => {
                        return Err(ClusterError::Rejected(format!(
                            "broker {id} has not joined the cluster (start it with serve --join)"
                        )));
                    }
                    QuorumRole::Learner => {}
                }
                self.wait_caught_up(id).await?;
                raft.change_membership(ChangeMembers::AddVoterIds([id].into()), false)
                    .await
                    .map(|_| ())
            }
            MembershipChange::Remove { id } => {
                let (voters, _) = self.members();
                match self.quorum_role(id) {
                    QuorumRole::Outside => return Ok(()),
                    QuorumRole::Voter if voters.len() == 1 => {
                        return Err(ClusterError::Rejected(format!(
                            "broker {id} is the only voter; a cluster needs one"
                        )));
                    }
                    QuorumRole::Voter => raft
                        .change_membership(ChangeMembers::RemoveVoters([id].into()), false)
                        .await
                        .map(|_| ()),
                    QuorumRole::Learner => raft
                        .change_membership(ChangeMembers::RemoveNodes([id].into()), false)
                        .await
                        .map(|_| ()),
                }
            }
        };
        result.map_err(membership_error)
    }

    /// Waits until learner `id` trails this controller's log by at most
    /// [`MAX_PROMOTION_LAG_ENTRIES`].
    async fn wait_caught_up(&self, id: NodeId) -> Result<(), ClusterError> {
        let lag = |metrics: &openraft::RaftMetrics<NodeId, MetaNode>| {
            let last = metrics.last_log_index.unwrap_or(0);
            let matched = metrics
                .replication
                .as_ref()
                .and_then(|r| r.get(&id).cloned().flatten())
                .map_or(0, |log_id| log_id.index);
            last.saturating_sub(matched)
        };
        let waited = self
            .raft()
            .wait(Some(Duration::from_millis(PROMOTION_WAIT_MS)))
            .metrics(|m| lag(m) <= MAX_PROMOTION_LAG_ENTRIES, "learner caught up")
            .await;
        match waited {
            Ok(_) => Ok(()),
            Err(_) => Err(ClusterError::Unavailable(format!(
                "broker {id} is {} metadata entries behind after {} s; it is not made a voter until it catches up",
                lag(&self.raft().metrics().borrow()),
                PROMOTION_WAIT_MS / 1000
            ))),
        }
    }

    async fn forward_membership(
        &self,
        address: &str,
        change: &MembershipChange,
    ) -> Result<(), ClusterError> {
        let mut client =
            peer_client(address, self.peer_auth()).map_err(ClusterError::Unavailable)?;
        send_membership_change(&mut client, change).await
    }

    /// Asks the broker at `seed` (a cluster address) to add this one to the quorum as a
    /// learner, until it answers or [`JOIN_TIMEOUT_MS`] passes.
    pub(super) async fn join_through(&self, seed: &str) -> Result<(), ClusterError> {
        let change = MembershipChange::AddLearner {
            id: self.id(),
            address: self
                .config()
                .peers
                .get(&self.id())
                .cloned()
                .unwrap_or_default(),
        };
        let deadline = Instant::now() + Duration::from_millis(JOIN_TIMEOUT_MS);
        loop {
            let attempt = match peer_client(seed, self.peer_auth()) {
                Ok(mut client) => send_membership_change(&mut client, &change).await,
                Err(e) => Err(ClusterError::Config(format!("--join {seed}: {e}"))),
            };
            match attempt {
                Ok(()) => return Ok(()),
                Err(e @ (ClusterError::Rejected(_) | ClusterError::Config(_))) => return Err(e),
                Err(e) if Instant::now() >= deadline => {
                    return Err(ClusterError::Unavailable(format!(
                        "--join {seed}: not added to the cluster within {} s: {e}",
                        JOIN_TIMEOUT_MS / 1000
                    )));
                }
                Err(e) => {
                    tracing::info!(seed, error = %e, "not joined yet; asking again");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }
    }
}

async fn send_membership_change(
    client: &mut super::network::PeerClient,
    change: &MembershipChange,
) -> Result<(), ClusterError> {
    let json = serde_json::to_vec(change).map_err(|e| ClusterError::Storage(e.to_string()))?;
    let answer = tokio::time::timeout(
        Duration::from_millis(PROMOTION_WAIT_MS + PROPOSE_TIMEOUT_MS),
        client.change_membership(PeerPayload { json: json.into() }),
    )
    .await
    .map_err(|_| ClusterError::Unavailable("the membership change was not answered".into()))?;
    match answer {
        Ok(_) => Ok(()),
        // As the `ChangeMembership` handler answers (server/cluster.rs).
        Err(status) => Err(match status.code() {
            tonic::Code::InvalidArgument => ClusterError::Rejected(status.message().into()),
            tonic::Code::FailedPrecondition => ClusterError::NotController(None),
            _ => ClusterError::Unavailable(status.message().to_string()),
        }),
    }
}

fn membership_error(error: RaftError<NodeId, ClientWriteError<NodeId, MetaNode>>) -> ClusterError {
    match error {
        RaftError::APIError(ClientWriteError::ForwardToLeader(forward)) => {
            ClusterError::NotController(forward.leader_id)
        }
        RaftError::APIError(ClientWriteError::ChangeMembershipError(e)) => {
            ClusterError::Rejected(e.to_string())
        }
        e => ClusterError::Unavailable(e.to_string()),
    }
}
