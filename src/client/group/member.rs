//! [`GroupMember`]: a member that joins, heartbeats in the background, follows rebalances
//! and its coordinator, and commits.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use crate::client::{Client, ClientError, ClusterRouter, Result};

use super::cluster::{coordinator_moved, not_settled};
use super::*;

/// The broker a member talks to: its group's coordinator, looked up again when it moves.
struct CoordinatorLink {
    group: String,
    /// Asks the brokers where the coordinator is, and pools the connections.
    router: Arc<ClusterRouter>,
    current: Mutex<Client>,
}

impl CoordinatorLink {
    /// Finds `group`'s coordinator through `router`'s brokers.
    async fn open(router: Arc<ClusterRouter>, group: &str) -> Result<CoordinatorLink> {
        let current = Self::find(&router, group).await?;
        Ok(CoordinatorLink {
            group: group.to_string(),
            router,
            current: Mutex::new(current),
        })
    }

    /// A client for `group`'s coordinator, as the first broker that answers names it; outside a
    /// cluster the connected broker, which coordinates its own groups.
    async fn find(router: &ClusterRouter, group: &str) -> Result<Client> {
        let coordinator = router
            .ask_any(|broker| async move { broker.find_coordinator(group).await })
            .await?;
        match coordinator {
            Some(coordinator) => router.client_at(&coordinator.address).await,
            None => Ok(router.seed().clone()),
        }
    }

    fn client(&self) -> Client {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Looks the coordinator up again; returns whether it moved. Outside a cluster it never
    /// moves.
    async fn relocate(&self) -> bool {
        let before = self.client().address().to_string();
        let Ok(coordinator) = Self::find(&self.router, &self.group).await else {
            return false;
        };
        let moved = coordinator.address() != before;
        if moved {
            tracing::info!(
                group = self.group,
                from = before,
                to = coordinator.address(),
                "the group's coordinator moved"
            );
            *self.current.lock().unwrap_or_else(|e| e.into_inner()) = coordinator;
        }
        moved
    }

    /// After a failed call: looks the coordinator up again when the error says it is not (or
    /// may not be) where it was; a "not the coordinator" answer becomes "join again".
    async fn after_error(&self, error: ClientError) -> ClientError {
        if is_not_coordinator(&error) {
            self.relocate().await;
            return coordinator_moved(&self.group, &error);
        }
        if error.is_connection_failure() && self.relocate().await {
            return coordinator_moved(&self.group, &error);
        }
        error
    }
}

/// Whether an error means the member's view of the group is out of date and it must join again.
pub fn must_rejoin(error: &ClientError) -> bool {
    error.code() == Some(crate::client::StatusCode::Aborted)
}

/// What the member and its heartbeat task share.
struct Shared {
    assignment: Mutex<GroupAssignment>,
    /// Set while a join is in flight: heartbeats pause, as the broker counts the join as liveness.
    joining: AtomicBool,
    /// Turns true when the member must join again (a rebalance, or fenced).
    rejoin: watch::Sender<bool>,
}

impl Shared {
    fn current(&self) -> GroupAssignment {
        self.assignment
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn set(&self, assignment: GroupAssignment) {
        *self.assignment.lock().unwrap_or_else(|e| e.into_inner()) = assignment;
    }
}

/// Marks a join in flight until dropped, so a cancelled join does not stop heartbeats for good.
struct Joining<'a>(&'a Shared);

impl<'a> Joining<'a> {
    fn start(shared: &'a Shared) -> Self {
        shared.joining.store(true, Ordering::SeqCst);
        Joining(shared)
    }
}

impl Drop for Joining<'_> {
    fn drop(&mut self) {
        self.0.joining.store(false, Ordering::SeqCst);
    }
}

/// A member of a consumer group: joined on creation, heartbeating in the background until it
/// leaves or is dropped. When [`GroupMember::rebalance_needed`] fires, stop reading the current
/// partitions, commit, and call [`GroupMember::rejoin`] for the new assignment.
///
/// In a cluster the member talks to its group's coordinator, wherever it is; when the coordinator
/// moves, calls fail as fenced ones do ([`must_rejoin`]) and the member joins the new one.
pub struct GroupMember {
    coordinator: Arc<CoordinatorLink>,
    group: String,
    topics: Vec<String>,
    options: JoinOptions,
    shared: Arc<Shared>,
    heartbeat: tokio::task::JoinHandle<()>,
}

impl GroupMember {
    /// Joins `group` as a new member reading `topics`, through the group's coordinator (found by
    /// asking `router`'s brokers); returns once the group is stable.
    pub async fn join(
        router: Arc<ClusterRouter>,
        group: &str,
        topics: Vec<String>,
        options: JoinOptions,
    ) -> Result<GroupMember> {
        let coordinator = Arc::new(CoordinatorLink::open(router, group).await?);
        let joined = coordinator
            .client()
            .join_group(group, None, &topics, &options)
            .await;
        let assignment = match joined {
            Ok(assignment) => assignment,
            // Moved between the lookup and the join: once more, at the new coordinator.
            Err(e) if is_not_coordinator(&e) => {
                coordinator.relocate().await;
                coordinator
                    .client()
                    .join_group(group, None, &topics, &options)
                    .await?
            }
            Err(e) => return Err(e),
        };
        let (rejoin, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            assignment: Mutex::new(assignment),
            joining: AtomicBool::new(false),
            rejoin,
        });
        let heartbeat = tokio::spawn(heartbeat_loop(coordinator.clone(), shared.clone()));
        Ok(GroupMember {
            coordinator,
            group: group.to_string(),
            topics,
            options,
            shared,
            heartbeat,
        })
    }

    /// The group this member belongs to.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The current assignment. Between a rebalance signal and [`GroupMember::rejoin`] it is the
    /// previous generation's, which commits are still accepted for.
    pub fn assignment(&self) -> GroupAssignment {
        self.shared.current()
    }

    /// Completes when the member must join again; at once if that is already known.
    pub async fn rebalance_needed(&self) {
        let mut flag = self.shared.rejoin.subscribe();
        let _ = flag.wait_for(|needed| *needed).await;
    }

    /// Commits offsets as this member, fenced by its id and generation.
    pub async fn commit(&self, offsets: &[OffsetToCommit]) -> Result<()> {
        if offsets.is_empty() {
            return Ok(());
        }
        let assignment = self.assignment();
        let committed = self
            .coordinator
            .client()
            .commit_offsets(
                &self.group,
                Some((&assignment.member_id, assignment.generation)),
                offsets,
            )
            .await;
        match committed {
            Ok(()) => Ok(()),
            // A coordinator that does not know the member (it moved here, or restarted, since
            // the member joined) answers ABORTED: join again.
            Err(e) => Err(self.coordinator.after_error(e).await),
        }
    }

    /// The group's committed offsets for the member's topics.
    pub async fn committed(&self) -> Result<Vec<CommittedOffset>> {
        let mut fetched = self
            .coordinator
            .client()
            .fetch_offsets(&self.group, &self.topics)
            .await;
        if let Err(e) = &fetched
            && is_not_coordinator(e)
            && self.coordinator.relocate().await
        {
            fetched = self
                .coordinator
                .client()
                .fetch_offsets(&self.group, &self.topics)
                .await;
        }
        match fetched {
            Err(e) if e.code() == Some(crate::client::StatusCode::NotFound) => Ok(Vec::new()),
            other => other,
        }
    }

    /// Joins again after a rebalance signal (commit first!); returns the new assignment. A member
    /// the broker no longer knows (its session expired, or its coordinator moved) joins as a new
    /// member.
    pub async fn rejoin(&mut self) -> Result<GroupAssignment> {
        let previous = self.assignment();
        let _joining = Joining::start(&self.shared);
        let mut member_id = Some(previous.member_id.clone());
        // A join may meet a moved coordinator, then a member it does not know: three attempts
        // cover both.
        let mut attempts_left = 3;
        let assignment = loop {
            attempts_left -= 1;
            let joined = self
                .coordinator
                .client()
                .join_group(
                    &self.group,
                    member_id.as_deref(),
                    &self.topics,
                    &self.options,
                )
                .await;
            match joined {
                Ok(assignment) => break assignment,
                Err(e) if attempts_left == 0 => return Err(not_settled(&self.group, e)),
                Err(e) if must_rejoin(&e) => member_id = None,
                Err(e) if is_not_coordinator(&e) || e.is_connection_failure() => {
                    if !self.coordinator.relocate().await {
                        return Err(not_settled(&self.group, e));
                    }
                    member_id = None;
                }
                Err(e) => return Err(e),
            }
        };
        self.shared.set(assignment.clone());
        self.shared.rejoin.send_replace(false);
        Ok(assignment)
    }

    /// Leaves the group at once so the others take over without waiting for a session timeout.
    pub async fn leave(self) -> Result<()> {
        self.heartbeat.abort();
        let assignment = self.assignment();
        match self
            .coordinator
            .client()
            .leave_group(&self.group, &assignment.member_id)
            .await
        {
            // Already gone (expired, or its coordinator moved): nothing to leave.
            Err(e) if must_rejoin(&e) || is_not_coordinator(&e) => Ok(()),
            other => other,
        }
    }
}

impl Drop for GroupMember {
    fn drop(&mut self) {
        self.heartbeat.abort();
    }
}

/// Heartbeats every interval the broker asked for; raises the rejoin flag when the broker says
/// so, has fenced the member, or the group's coordinator moved. Answers about a generation that
/// is no longer current are ignored.
async fn heartbeat_loop(coordinator: Arc<CoordinatorLink>, shared: Arc<Shared>) {
    let group = coordinator.group.clone();
    loop {
        // The interval the broker gave with the current assignment (a third of the session).
        let interval_ms = shared.current().heartbeat_interval_ms;
        let wait_ms = if interval_ms == 0 {
            DEFAULT_HEARTBEAT_INTERVAL_MS
        } else {
            u64::from(interval_ms)
        };
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        if shared.joining.load(Ordering::SeqCst) {
            continue;
        }
        let sent = shared.current();
        let answer = coordinator
            .client()
            .heartbeat(&group, &sent.member_id, sent.generation)
            .await;
        let answer = match answer {
            Err(e) => Err(coordinator.after_error(e).await),
            ok => ok,
        };
        let now = shared.current();
        let still_current = !shared.joining.load(Ordering::SeqCst)
            && now.member_id == sent.member_id
            && now.generation == sent.generation;
        if !still_current {
            continue;
        }
        match answer {
            Ok(false) => {}
            Ok(true) => {
                shared.rejoin.send_replace(true);
            }
            Err(e) if must_rejoin(&e) => {
                tracing::warn!(group, error = %e, "fenced by the broker; joining again");
                shared.rejoin.send_replace(true);
            }
            Err(e) => tracing::warn!(group, error = %e, "heartbeat failed; retrying"),
        }
    }
}
