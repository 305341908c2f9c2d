#!/usr/bin/env bash
# Runs the same workload against FlashQ, NATS JetStream and Redis Streams on this machine and
# prints a side-by-side table with ratios. Everything listens on 127.0.0.1 and is stopped at exit.
#
#   bash bench/peers.sh [RECORDS] [RECORD_BYTES]      (defaults: 1000000 100)
#
# Each peer runs with its best native client, never ours: NATS's C client (Debian's libnats,
# bench/nats_bench.c) for JetStream, redis-benchmark for Redis. It installs what is missing
# (Debian's nats-server, libnats-dev, gcc, redis-server, redis-tools).
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${1:-1000000}
RECORD_BYTES=${2:-100}
WORK=$(mktemp -d)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

need_apt=()
command -v nats-server >/dev/null || need_apt+=(nats-server)
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v redis-benchmark >/dev/null || need_apt+=(redis-tools)
command -v gcc >/dev/null || need_apt+=(gcc)
[ -f /usr/include/nats/nats.h ] || need_apt+=(libnats-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
gcc -O2 -o "$WORK/nats_bench" bench/nats_bench.c -lnats

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "building flashq (release)" >&2
cargo build --release --quiet
FLASHQ=target/release/flashq

results="$WORK/results.tsv"
: >"$results"
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$results"; }

# --- FlashQ: produce and consume with fsync=never, then produce with fsync=always ---
for fsync in never always; do
  mkdir -p "$WORK/flashq-$fsync"
  "$FLASHQ" serve --listen 127.0.0.1:0 -q --fsync "$fsync" --data-dir "$WORK/flashq-$fsync" >"$WORK/flashq-$fsync.addr" 2>/dev/null &
  PIDS+=($!)
  for _ in $(seq 100); do [ -s "$WORK/flashq-$fsync.addr" ] && break; sleep 0.1; done
  addr=$(head -1 "$WORK/flashq-$fsync.addr")
  p=$("$FLASHQ" --broker "$addr" bench produce --records "$RECORDS" --record-size "$RECORD_BYTES" --batch-size 1000 --topic peers -o json)
  record "FlashQ (fsync=$fsync)" produce "$(echo "$p" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["records_per_s"]))')"
  c=$("$FLASHQ" --broker "$addr" bench consume --records "$RECORDS" --record-size "$RECORD_BYTES" --topic peers -o json)
  record "FlashQ (fsync=$fsync)" consume "$(echo "$c" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["records_per_s"]))')"
done

# --- NATS JetStream, file storage, NATS's C client: async publish, pull consumer ---
nats_port=$(free_port)
nats-server -js -sd "$WORK/nats" -a 127.0.0.1 -p "$nats_port" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do (echo > "/dev/tcp/127.0.0.1/$nats_port") 2>/dev/null && break; sleep 0.1; done
nats_out=$("$WORK/nats_bench" "nats://127.0.0.1:$nats_port" "$RECORDS" "$RECORD_BYTES")
record "NATS JetStream (file, C client async)" produce "$(echo "$nats_out" | cut -f1)"
record "NATS JetStream (file, C client async)" consume "$(echo "$nats_out" | cut -f2)"

# --- Redis Streams, appendfsync everysec, XADD pipelined by redis-benchmark ---
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$WORK" --appendonly yes --appendfsync everysec --save "" >/dev/null 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
value=$(head -c "$RECORD_BYTES" /dev/zero | tr '\0' x)
redis_out=$(redis-benchmark -p "$redis_port" -n "$RECORDS" -P 100 -c 4 --csv XADD peers '*' v "$value" | tail -1)
record "Redis Streams (everysec, redis-benchmark -P 100)" produce "$(echo "$redis_out" | cut -d, -f2 | tr -d '"' | cut -d. -f1)"

# --- The side-by-side table ---
python3 - "$results" "$RECORDS" "$RECORD_BYTES" <<'PY'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
by = {}
for system, workload, rate in rows:
    by.setdefault(workload, []).append((system, int(rate) if rate.isdigit() else 0))
print(f"{sys.argv[2]} records of {sys.argv[3]} bytes, one partition/stream, 127.0.0.1")
print(f"{'workload':<9} {'system':<48} {'records/s':>12} {'FlashQ(never) / this':>22}")
for workload, entries in by.items():
    ours = next((r for s, r in entries if s == "FlashQ (fsync=never)"), 0)
    for system, rate in entries:
        ratio = f"{ours / rate:.2f}x" if rate else "n/a"
        print(f"{workload:<9} {system:<48} {rate:>12} {ratio:>22}")
PY
