//! Committed-offset throughput in a cluster: every commit is a `CommitOffsets` entry in the
//! metadata's Raft log, fsynced on a quorum and applied on the coordinator before it returns
//! (`cluster::groups::ReplicatedOffsets`). Three Raft nodes run in this process on loopback, each
//! with its Raft log in its own temp dir, as three brokers on one machine would.
//!
//! `cargo bench --bench cluster_commits`. Figures go to docs/performance.md, "Consumer groups".

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use flashq::cluster::groups::ReplicatedOffsets;
use flashq::cluster::{ClusterConfig, ClusterNode, NodeId};
use flashq::storage::offset_store::{OffsetCommit, OffsetStore};

/// Concurrent committers, each committing for its own group (all coordinated by one broker).
const CONCURRENT_COMMITTERS: [u64; 2] = [4, 16];
/// How long the cluster may take to elect a controller and place the coordinators.
const FORM_TIMEOUT: Duration = Duration::from_secs(30);

/// Three nodes on loopback with file-backed Raft logs; returns them and the temp dirs.
fn start_cluster(runtime: &tokio::runtime::Runtime) -> (Vec<Arc<ClusterNode>>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    runtime.block_on(async {
        let mut listeners = Vec::new();
        let mut peers = BTreeMap::new();
        for id in 1..=3 as NodeId {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            peers.insert(id, listener.local_addr().unwrap().to_string());
            listeners.push(listener);
        }
        let mut nodes = Vec::new();
        for (id, listener) in (1..).zip(listeners) {
            let node = ClusterNode::start(ClusterConfig {
                node_id: id,
                kafka_address: None,
                client_address: format!("http://127.0.0.1:{}", 40000 + id),
                peers: peers.clone(),
                heartbeat_interval_ms: 500,
                session_timeout_ms: 3_000,
                dir: Some(dir.path().join(format!("n{id}"))),
                secret: None,
                tls: None,
                join: None,
                join_as_voter: false,
                auto_leader_rebalance: true,
            })
            .await
            .expect("start node");
            let served = node.clone();
            tokio::spawn(async move {
                let _ = flashq::server::cluster::serve_peers(
                    served,
                    None,
                    listener,
                    std::future::pending(),
                )
                .await;
            });
            node.spawn_membership();
            nodes.push(node);
        }
        let deadline = Instant::now() + FORM_TIMEOUT;
        while !nodes.iter().all(|n| {
            n.view()
                .with(|s| s.brokers.len() == 3 && !s.groups.coordinators.is_empty())
        }) {
            assert!(Instant::now() < deadline, "the cluster did not form");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (nodes, dir)
    })
}

/// `count` group names that `node` coordinates.
fn groups_coordinated_by(node: &ClusterNode, count: usize) -> Vec<String> {
    let me = node.id();
    (0..)
        .map(|n| format!("bench-group-{n}"))
        .filter(|name| {
            node.view()
                .with(|s| s.coordinator_of(name).and_then(|slot| slot.broker) == Some(me))
        })
        .take(count)
        .collect()
}

fn commit(offset: u64) -> [OffsetCommit; 1] {
    [OffsetCommit {
        topic: "orders".to_string(),
        partition: 0,
        offset,
    }]
}

fn bench_cluster_commits(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (nodes, _dir) = start_cluster(&runtime);
    // Commit through a coordinator that is not the controller: its commits are forwarded, the
    // usual case (one broker in three is the controller).
    let controller = nodes[0].status().controller;
    let node = nodes
        .iter()
        .find(|n| Some(n.id()) != controller)
        .expect("a non-controller")
        .clone();
    let store = Arc::new({
        let _entered = runtime.enter();
        ReplicatedOffsets::new(node.clone())
    });
    let groups =
        groups_coordinated_by(&node, *CONCURRENT_COMMITTERS.iter().max().unwrap() as usize);

    let mut group = c.benchmark_group("cluster_commits");
    group.measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(1));
    let mut offset = 0u64;
    group.bench_function(BenchmarkId::new("replicated", 1), |b| {
        b.iter(|| {
            offset += 1;
            store
                .commit(&groups[0], &commit(offset), 0)
                .expect("commit");
        })
    });
    for committers in CONCURRENT_COMMITTERS {
        group.bench_with_input(
            BenchmarkId::new("replicated", committers),
            &committers,
            |b, &committers| {
                let groups = &groups[..committers as usize];
                b.iter_custom(|iters| common::timed_concurrent_commits(&store, groups, iters))
            },
        );
    }
    group.finish();
    runtime.block_on(async {
        for node in &nodes {
            node.shutdown().await;
        }
    });
}

criterion_group!(benches, bench_cluster_commits);
criterion_main!(benches);
