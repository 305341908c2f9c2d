//! The metadata quorum in one process: three Raft nodes talking gRPC over loopback, with the
//! in-memory and the file log stores. Commands commit on a quorum, every node applies them, a
//! stopped leader is replaced, and a node restarted on its cluster dir comes back with its state.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use flashq::cluster::network::PeerTls;
use flashq::cluster::{ClusterConfig, ClusterNode, MetaCommand, MetaResponse, NodeId};
use flashq::storage::LogConfig;
use tokio::net::TcpListener;

const WAIT: Duration = Duration::from_secs(15);

struct Node {
    node: Arc<ClusterNode>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<()>,
}

impl Node {
    async fn start(
        id: NodeId,
        listener: TcpListener,
        peers: &BTreeMap<NodeId, String>,
        dir: Option<PathBuf>,
        secret: Option<&str>,
        tls: Option<&PeerTls>,
    ) -> Node {
        let node = ClusterNode::start(ClusterConfig {
            node_id: id,
            kafka_address: None,
            client_address: format!("http://127.0.0.1:{}", 40000 + id),
            peers: peers.clone(),
            heartbeat_interval_ms: 200,
            session_timeout_ms: 1_500,
            dir,
            secret: secret.map(str::to_string),
            tls: tls.cloned(),
            join: None,
            join_as_voter: false,
            auto_leader_rebalance: true,
        })
        .await
        .expect("start node");
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let served = node.clone();
        let server = tokio::spawn(async move {
            let _ = flashq::server::cluster::serve_peers(served, None, listener, async {
                let _ = stopped.await;
            })
            .await;
        });
        Node {
            node,
            stop: Some(stop),
            server,
        }
    }

    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.node.shutdown().await;
        let _ = self.server.await;
    }
}

async fn listeners(count: usize) -> (Vec<TcpListener>, BTreeMap<NodeId, String>) {
    let mut listeners = Vec::new();
    let mut peers = BTreeMap::new();
    for id in 1..=count as NodeId {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        peers.insert(id, listener.local_addr().unwrap().to_string());
        listeners.push(listener);
    }
    (listeners, peers)
}

async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn leader_of(nodes: &[&Node]) -> Option<NodeId> {
    nodes.iter().find_map(|n| {
        let status = n.node.status();
        (status.role == "leader").then_some(status.node_id)
    })
}

fn create(name: &str) -> MetaCommand {
    MetaCommand::CreateTopic {
        name: name.into(),
        partitions: 2,
        replication_factor: 3,
        config: LogConfig::default(),
    }
}

async fn start_three(dirs: [Option<PathBuf>; 3]) -> (Vec<Node>, BTreeMap<NodeId, String>) {
    start_three_secured(dirs, None, None).await
}

/// Three nodes showing each other `secret` and, with `tls`, talking mutual TLS.
async fn start_three_secured(
    dirs: [Option<PathBuf>; 3],
    secret: Option<&str>,
    tls: Option<&PeerTls>,
) -> (Vec<Node>, BTreeMap<NodeId, String>) {
    let (listeners, peers) = listeners(3).await;
    let mut nodes = Vec::new();
    for ((id, listener), dir) in (1..).zip(listeners).zip(dirs) {
        nodes.push(Node::start(id, listener, &peers, dir, secret, tls).await);
    }
    for node in &nodes {
        node.node.spawn_membership();
    }
    (nodes, peers)
}

async fn all_registered(nodes: &[&Node]) {
    wait_for("every broker registered on every node", || {
        nodes
            .iter()
            .all(|n| n.node.view().with(|s| s.brokers.len() == 3))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_in_memory_nodes_agree_and_survive_the_loss_of_the_leader() {
    let (nodes, peers) = start_three([None, None, None]).await;
    let refs: Vec<&Node> = nodes.iter().collect();
    wait_for("a leader", || leader_of(&refs).is_some()).await;
    all_registered(&refs).await;

    // A command proposed on any node (forwarded to the controller) is applied everywhere.
    let follower = refs
        .iter()
        .find(|n| n.node.status().role != "leader")
        .unwrap();
    let applied = follower
        .node
        .propose(create("orders"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(applied, MetaResponse::Applied);
    wait_for("the topic on every node", || {
        refs.iter()
            .all(|n| n.node.view().with(|s| s.topics.contains_key("orders")))
    })
    .await;
    let again = follower
        .node
        .propose(create("orders"), Duration::from_secs(5))
        .await
        .unwrap();
    assert!(matches!(again, MetaResponse::Rejected(_)));

    // Stop the leader: the two left elect another, commit, and fence the silent one.
    let old_leader = leader_of(&refs).unwrap();
    let mut nodes = nodes;
    let index = nodes
        .iter()
        .position(|n| n.node.id() == old_leader)
        .unwrap();
    nodes.remove(index).stop().await;
    let refs: Vec<&Node> = nodes.iter().collect();
    wait_for("a new leader", || {
        leader_of(&refs).is_some_and(|l| l != old_leader)
    })
    .await;
    let applied = refs[0]
        .node
        .propose(create("payments"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(applied, MetaResponse::Applied);
    wait_for("the silent broker fenced", || {
        refs.iter().all(|n| {
            n.node
                .view()
                .with(|s| s.brokers[&old_leader].fenced && s.topics.contains_key("payments"))
        })
    })
    .await;
    // Its partitions are led by live brokers now.
    refs[0].node.view().with(|s| {
        for p in &s.topics["orders"].partitions {
            assert_ne!(p.leader, Some(old_leader));
            assert!(!p.isr.contains(&old_leader));
        }
    });
    for node in nodes {
        node.stop().await;
    }
    let _ = peers;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_stores_bring_a_restarted_node_back_with_its_state() {
    let temp = tempfile::tempdir().unwrap();
    let dirs = [1, 2, 3].map(|id| Some(temp.path().join(format!("n{id}"))));
    let (nodes, peers) = start_three(dirs.clone()).await;
    let refs: Vec<&Node> = nodes.iter().collect();
    wait_for("a leader", || leader_of(&refs).is_some()).await;
    all_registered(&refs).await;
    let applied = refs[0]
        .node
        .propose(create("kept"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(applied, MetaResponse::Applied);
    wait_for("the topic on every node", || {
        refs.iter()
            .all(|n| n.node.view().with(|s| s.topics.contains_key("kept")))
    })
    .await;

    // Restart node 3 alone on its dir: it has the state before it hears from anyone.
    let mut nodes = nodes;
    let third = nodes.pop().unwrap();
    third.stop().await;
    assert!(dirs[2].as_ref().unwrap().join("raft.log").exists());
    let address = peers[&3].clone();
    let listener = TcpListener::bind(&address).await.unwrap();
    let restarted = Node::start(3, listener, &peers, dirs[2].clone(), None, None).await;
    restarted.node.spawn_membership();
    // The log replays on start; the topic comes back once the entries are committed again.
    wait_for("the restarted node has the topic", || {
        restarted
            .node
            .view()
            .with(|s| s.topics.contains_key("kept") && s.brokers.len() == 3)
    })
    .await;
    // And it keeps following: a new command reaches it.
    let applied = nodes[0]
        .node
        .propose(create("later"), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(applied, MetaResponse::Applied);
    wait_for("the restarted node applies new commands", || {
        restarted
            .node
            .view()
            .with(|s| s.topics.contains_key("later"))
    })
    .await;
    nodes.push(restarted);
    for node in nodes {
        node.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_cluster_secret_peers_form_a_quorum_and_strangers_are_refused() {
    const SECRET: &str = "correct-horse-battery-staple";
    let (nodes, peers) = start_three_secured([None, None, None], Some(SECRET), None).await;
    let refs: Vec<&Node> = nodes.iter().collect();
    wait_for("a leader", || leader_of(&refs).is_some()).await;
    all_registered(&refs).await;

    // A caller without the secret, or with another, cannot propose (here: delete a topic).
    let command = serde_json::to_vec(&MetaCommand::DeleteTopic { name: "t".into() }).unwrap();
    for shown in [None, Some("Bearer wrong-secret-of-good-length")] {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{}", peers[&1]))
            .unwrap()
            .connect()
            .await
            .unwrap();
        let mut request = tonic::Request::new(flashq::wire::v1::PeerPayload {
            json: command.clone().into(),
        });
        if let Some(bearer) = shown {
            request
                .metadata_mut()
                .insert("authorization", bearer.parse().unwrap());
        }
        let refused = flashq::wire::v1::cluster_peer_client::ClusterPeerClient::new(channel)
            .propose(request)
            .await
            .expect_err("a stranger's proposal must be refused");
        assert_eq!(refused.code(), tonic::Code::Unauthenticated, "{refused:?}");
    }
    // A too-short secret is refused before anything starts.
    let (_listener, peers) = listeners(1).await;
    let refused = ClusterNode::start(ClusterConfig {
        node_id: 1,
        kafka_address: None,
        client_address: "http://127.0.0.1:40001".into(),
        peers,
        heartbeat_interval_ms: 200,
        session_timeout_ms: 1_500,
        dir: None,
        secret: Some("short".into()),
        tls: None,
        join: None,
        join_as_voter: false,
        auto_leader_rebalance: true,
    })
    .await;
    assert!(refused.is_err());
    for node in nodes {
        node.stop().await;
    }
}

fn peer_tls(ca: &str, cert: &str, key: &str) -> PeerTls {
    PeerTls::new(
        tonic::transport::Identity::from_pem(cert, key),
        tonic::transport::Certificate::from_pem(ca),
    )
    .expect("peer TLS")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_mutual_tls_peers_form_a_quorum_and_others_cannot_connect() {
    let (ca, cert, key) = common::pki::broker_pki("cluster CA");
    let tls = peer_tls(&ca, &cert, &key);
    let (nodes, peers) = start_three_secured([None, None, None], None, Some(&tls)).await;
    let refs: Vec<&Node> = nodes.iter().collect();
    wait_for("a leader", || leader_of(&refs).is_some()).await;
    all_registered(&refs).await;

    // Plain text, TLS without a client certificate, and a certificate from another CA: none
    // gets an answer. A broker's own certificate does (its garbage request is refused as such).
    let (_, other_cert, other_key) = common::pki::broker_pki("someone else's CA");
    let trusting = || {
        tonic::transport::ClientTlsConfig::new()
            .ca_certificate(tonic::transport::Certificate::from_pem(&ca))
    };
    let callers = [
        ("plain text", None, false),
        ("TLS without a certificate", Some(trusting()), false),
        (
            "a certificate from another CA",
            Some(trusting().identity(tonic::transport::Identity::from_pem(
                &other_cert,
                &other_key,
            ))),
            false,
        ),
        (
            "a broker certificate",
            Some(trusting().identity(tonic::transport::Identity::from_pem(&cert, &key))),
            true,
        ),
    ];
    for (who, tls, admitted) in callers {
        let scheme = if tls.is_some() { "https" } else { "http" };
        let mut endpoint =
            tonic::transport::Endpoint::from_shared(format!("{scheme}://{}", peers[&1]))
                .unwrap()
                .connect_timeout(Duration::from_secs(5))
                .timeout(Duration::from_secs(5));
        if let Some(config) = tls {
            endpoint = endpoint.tls_config(config).unwrap();
        }
        let answer = match endpoint.connect().await {
            Err(_) => None,
            Ok(channel) => Some(
                flashq::wire::v1::cluster_peer_client::ClusterPeerClient::new(channel)
                    .vote(flashq::wire::v1::PeerPayload {
                        json: b"not a vote".to_vec().into(),
                    })
                    .await,
            ),
        };
        let answered =
            matches!(&answer, Some(Err(status)) if status.code() == tonic::Code::InvalidArgument);
        assert_eq!(answered, admitted, "{who}: {answer:?}");
    }
    for node in nodes {
        node.stop().await;
    }
}
