#!/usr/bin/env bash
# Many partitions in a three-broker cluster (issue 19): create a topic of PARTITIONS partitions
# with replication factor 3, then measure how long the create and a delete take, each broker's
# idle CPU and RSS with them, and a produce spread over 1,000 of them beside one partition.
#
#   cargo build --release && bash bench/cluster_partitions.sh [PARTITIONS] [IDLE_SECONDS]
#
# Brokers listen on 127.0.0.1 only, in a temp dir removed at the end.
set -euo pipefail

partitions=${1:-10000}
idle_s=${2:-10}
flashq=${FLASHQ:-target/release/flashq}
dir=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

peers=1=127.0.0.1:50161,2=127.0.0.1:50162,3=127.0.0.1:50163
for n in 1 2 3; do
    "$flashq" serve --node-id "$n" --listen "127.0.0.1:5015$n" \
        --cluster-listen "127.0.0.1:5016$n" --peers "$peers" --data-dir "$dir/n$n" \
        >"$dir/n$n.log" 2>&1 &
    pids+=($!)
done
broker=127.0.0.1:50151
for _ in $(seq 1 100); do
    if "$flashq" --broker "$broker" cluster brokers -o json 2>/dev/null | grep -q '"node_id": *3'; then
        break
    fi
    sleep 0.2
done

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }
idle() {
    local before=() after=()
    for pid in "${pids[@]}"; do before+=("$(ticks "$pid")"); done
    sleep "$idle_s"
    for i in "${!pids[@]}"; do after+=("$(ticks "${pids[$i]}")"); done
    local hz
    hz=$(getconf CLK_TCK)
    for i in "${!pids[@]}"; do
        awk -v b="${before[$i]}" -v a="${after[$i]}" -v hz="$hz" -v s="$idle_s" -v n=$((i + 1)) \
            -v rss="$(rss_mib "${pids[$i]}")" \
            'BEGIN { printf "  broker %d: idle CPU %.1f%% of a core, RSS %s MiB\n", n, (a - b) * 100 / hz / s, rss }'
    done
}

echo "3 brokers, before any topic:"
idle
start=$(date +%s.%N)
"$flashq" --broker "$broker" topic create big -p "$partitions" --replication-factor 3 -o json >/dev/null
end=$(date +%s.%N)
echo "topic create big -p $partitions --replication-factor 3: $(echo "$end - $start" | bc) s"
# Every partition led with its full ISR.
for _ in $(seq 1 300); do
    short=$("$flashq" --broker "$broker" cluster partitions --under-replicated -o json |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)["partitions"]))')
    [ "$short" = 0 ] && break
    sleep 0.2
done
echo "every partition led with 3 in sync after $(echo "$(date +%s.%N) - $end" | bc) s"
echo "idle with them, first $idle_s s:"
idle
echo "idle with them, next $idle_s s:"
idle
"$flashq" --broker "$broker" topic create one -p 1 --replication-factor 3 >/dev/null
echo "produce, RF=3 acks=all:"
"$flashq" --broker "$broker" bench produce --topic one --partitions 1 --records 1000000 -o json |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("  1 partition: %d records/s, p99 %.1f ms" % (r["records_per_s"], r["latency_us"]["p99"] / 1000))'
"$flashq" --broker "$broker" bench produce --topic big --partitions 1000 --records 1000000 -o json |
    python3 -c 'import json,sys; r=json.load(sys.stdin); print("  1,000 partitions of big: %d records/s, p99 %.1f ms" % (r["records_per_s"], r["latency_us"]["p99"] / 1000))'
echo "idle after the produce:"
idle
start=$(date +%s.%N)
"$flashq" --broker "$broker" topic delete big >/dev/null
echo "topic delete big: $(echo "$(date +%s.%N) - $start" | bc) s"
grep -c "no heartbeat committed within the session timeout" "$dir"/n*.log | sed 's/^/  lapsed sessions in /' || true
