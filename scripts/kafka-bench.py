#!/usr/bin/env python3
"""The Kafka path beside the gRPC path, in one sitting (docs/performance.md, "Kafka clients").

Starts a release `flashq serve` (file storage, fsync always) with its Kafka listener in a temp
dir, writes RECORDS lines of RECORD_BYTES bytes to a file, then, RUNS times in turn:

  flashq produce --topic fq-N < file        kcat -P -t kq-N -l file   (acks=all, idempotent)
  flashq consume --topic fq-N -n RECORDS    kcat -C -t kq-N -e        (to /dev/null)
  flashq bench produce (acks=all)           a confluent-kafka producer at full speed (acks=all)

with the same client batch size (1000 records, 5 ms linger) on both sides, and prints each
run's records/s and the medians as JSON lines. Needs kcat and confluent-kafka.

Usage: scripts/kafka-bench.py [--records N] [--runs N] [--flashq target/release/flashq]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

CONFLUENT_PRODUCER = r"""
import sys, time
from confluent_kafka import Producer
boot, topic, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p = Producer({'bootstrap.servers': boot, 'acks': 'all', 'enable.idempotence': True,
              'linger.ms': 5, 'batch.num.messages': 1000, 'queue.buffering.max.messages': 1000000})
value = b'x' * size
failed = []
def done(err, msg):
    if err: failed.append(err)
start = time.monotonic()
for i in range(n):
    while True:
        try:
            p.produce(topic, value, on_delivery=done); break
        except BufferError:
            p.poll(0.001)
p.flush()
elapsed = time.monotonic() - start
assert not failed, failed[:3]
print(n / elapsed)
"""


def timed(command, **kwargs):
    start = time.monotonic()
    subprocess.run(command, check=True, **kwargs)
    return time.monotonic() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--record-bytes", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--flashq", default="target/release/flashq")
    args = parser.parse_args()
    flashq = os.path.abspath(args.flashq)
    with tempfile.TemporaryDirectory() as temp:
        lines = os.path.join(temp, "lines.txt")
        with open(lines, "w") as f:
            for i in range(args.records):
                f.write(f"{i:0{args.record_bytes}d}\n")
        serve = subprocess.Popen(
            [flashq, "serve", "--listen", "127.0.0.1:0", "--data-dir",
             os.path.join(temp, "data"), "--kafka-listen", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            grpc = serve.stdout.readline().strip()
            kafka = serve.stdout.readline().strip()
            env = {k: v for k, v in os.environ.items() if not k.startswith("FLASHQ_")}
            env["FLASHQ_BROKER"] = grpc
            results = {k: [] for k in [
                "flashq_produce", "kcat_produce", "flashq_consume", "kcat_consume",
                "flashq_bench_produce", "confluent_produce"]}
            for run in range(args.runs):
                fq, kq = f"fq-{run}", f"kq-{run}"
                with open(lines) as stdin:
                    t = timed([flashq, "produce", "--topic", fq, "-q"], stdin=stdin,
                              stdout=subprocess.DEVNULL, env=env)
                results["flashq_produce"].append(args.records / t)
                t = timed(["kcat", "-b", kafka, "-P", "-t", kq, "-l", lines,
                           "-X", "acks=all", "-X", "enable.idempotence=true",
                           "-X", "batch.num.messages=1000", "-X", "linger.ms=5"])
                results["kcat_produce"].append(args.records / t)
                t = timed([flashq, "consume", "--topic", fq, "--from-beginning", "-n",
                           str(args.records)], stdout=subprocess.DEVNULL, env=env)
                results["flashq_consume"].append(args.records / t)
                t = timed(["kcat", "-b", kafka, "-C", "-t", kq, "-e", "-q", "-o", "beginning"],
                          stdout=subprocess.DEVNULL)
                results["kcat_consume"].append(args.records / t)
                bench = subprocess.run(
                    [flashq, "bench", "produce", "--topic", f"fb-{run}", "--records",
                     str(args.records), "--record-size", str(args.record_bytes),
                     "--batch-size", "1000", "--acks", "all", "-o", "json"],
                    check=True, capture_output=True, text=True, env=env)
                results["flashq_bench_produce"].append(json.loads(bench.stdout)["records_per_s"])
                out = subprocess.run(
                    [sys.executable, "-c", CONFLUENT_PRODUCER, kafka, f"cb-{run}",
                     str(args.records), str(args.record_bytes)],
                    check=True, capture_output=True, text=True)
                results["confluent_produce"].append(float(out.stdout.strip()))
                print(json.dumps({"run": run, **{k: round(v[-1]) for k, v in results.items()}}),
                      flush=True)
            print(json.dumps({"median": {k: round(statistics.median(v))
                                         for k, v in results.items()}}))
        finally:
            serve.terminate()
            serve.wait(timeout=30)


if __name__ == "__main__":
    main()
