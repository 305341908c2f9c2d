#!/usr/bin/env python3
"""Runs `flashq bench produce` over a grid of one dimension at a time against a fresh release
broker, and writes, per dimension, a Markdown table and an SVG plot (records/s, MB/s, p99 latency
and the broker's RSS against the dimension) into docs/sweep/ (issue 19).

    cargo build --release
    python3 bench/sweep.py                      # every dimension, 2,000,000 records a point
    python3 bench/sweep.py --records 500000 --only partitions,keys

Needs only Python 3's standard library. Each point runs once; the broker is started afresh per
dimension (file storage, fsync always, on a temp dir), so its RSS is what that dimension made it
grow to. Run it on an otherwise idle machine: never beside a build or another benchmark.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLASHQ = os.path.join(ROOT, "target", "release", "flashq")
OUT = os.path.join(ROOT, "docs", "sweep")

# Each dimension: the flag it sets, its values, and the other flags of every point.
DIMENSIONS = {
    "partitions": ("--partitions", [1, 10, 100, 1000], ["--producers", "4"]),
    "record-size": ("--record-size", [10, 100, 1000, 10000, 100000, 1000000], []),
    "producers": ("--producers", [1, 4, 16, 64], ["--partitions", "64"]),
    "keys": ("--keys", [1, 10, 100, 1000], ["--partitions", "10"]),
}
# Bigger records, fewer of them: about the same bytes per point as 100-byte records.
BYTES_PER_POINT_AT_100 = 100


def start_broker(data_dir):
    proc = subprocess.Popen(
        [FLASHQ, "serve", "--listen", "127.0.0.1:0", "--kafka-listen", "off",
         "--data-dir", data_dir],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    address = proc.stdout.readline().strip()
    if not address:
        proc.kill()
        sys.exit("the broker did not print its address")
    return proc, address


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def run_point(address, flag, value, extra, records, topic):
    count = records
    if flag == "--record-size":
        count = max(200, records * BYTES_PER_POINT_AT_100 // value)
    args = [FLASHQ, "bench", "produce", "--broker", address, "--topic", topic,
            "--records", str(count), "-o", "json", flag, str(value)] + extra
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    return json.loads(done.stdout)


def svg_plot(title, xs, series, log_x=True):
    """Four small line charts side by side: one per (name, unit, values) of `series`."""
    width, height, pad = 260, 180, 40
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width * len(series)}" '
             f'height="{height + 30}" font-family="sans-serif" font-size="10">',
             f'<text x="5" y="14" font-size="12">{title}</text>']
    import math
    xv = [math.log10(x) if log_x else x for x in xs]
    x_lo, x_hi = min(xv), max(xv) if max(xv) > min(xv) else min(xv) + 1
    for i, (name, unit, ys) in enumerate(series):
        ox = i * width
        points = [(x, y) for x, y in zip(xv, ys) if y is not None]
        y_hi = max([y for _, y in points] + [1e-9]) * 1.1
        parts.append(f'<g transform="translate({ox},20)">')
        parts.append(f'<text x="{pad}" y="12">{name} ({unit})</text>')
        parts.append(f'<line x1="{pad}" y1="{height - pad}" x2="{width - 30}" '
                     f'y2="{height - pad}" stroke="black"/>')
        parts.append(f'<line x1="{pad}" y1="20" x2="{pad}" y2="{height - pad}" stroke="black"/>')
        parts.append(f'<text x="2" y="24">{y_hi:.3g}</text><text x="2" y="{height - pad}">0</text>')

        def px(x):
            return pad + (x - x_lo) / (x_hi - x_lo) * (width - 30 - pad)

        def py(y):
            return (height - pad) - y / y_hi * (height - pad - 20)

        for x, label in zip(xv, xs):
            parts.append(f'<text x="{px(x) - 8:.0f}" y="{height - pad + 14}">{label}</text>')
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="steelblue" stroke-width="2"/>')
        for x, y in points:
            parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="steelblue"/>')
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2_000_000)
    parser.add_argument("--only", default=",".join(DIMENSIONS))
    options = parser.parse_args()
    if not os.path.exists(FLASHQ):
        sys.exit("build it first: cargo build --release")
    os.makedirs(OUT, exist_ok=True)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    for name in options.only.split(","):
        flag, values, extra = DIMENSIONS[name]
        temp = tempfile.mkdtemp(prefix="flashq-sweep-")
        broker, address = start_broker(os.path.join(temp, "data"))
        rows = []
        try:
            for value in values:
                topic = f"sweep-{name}-{value}"
                report = run_point(address, flag, value, extra, options.records, topic)
                rows.append((value, report, rss_kib(broker.pid)))
                print(name, value, report.get("records_per_s", report.get("error")), flush=True)
        finally:
            broker.kill()
            broker.wait()
            shutil.rmtree(temp, ignore_errors=True)
        lines = [f"`python3 bench/sweep.py --records {options.records} --only {name}` ({stamp}): "
                 f"`flashq bench produce {flag} N {' '.join(extra)}` against a fresh release broker.",
                 "", f"| {flag} | records/s | MB/s | p99 ms | broker RSS MiB |", "|---|---|---|---|---|"]
        for value, report, rss in rows:
            if "error" in report:
                lines.append(f"| {value} | failed: {report['error']} | | | |")
                continue
            lines.append(f"| {value} | {report['records_per_s']:,.0f} | {report['mb_per_s']:,.1f} | "
                         f"{report['latency_us']['p99'] / 1000:.1f} | {rss / 1024:.0f} |")
        with open(os.path.join(OUT, f"{name}.md"), "w") as table:
            table.write("\n".join(lines) + "\n")
        ok = [(v, r, rss) for v, r, rss in rows if "error" not in r]
        series = [
            ("records/s", "M", [r["records_per_s"] / 1e6 for _, r, _ in ok]),
            ("MB/s", "MB/s", [r["mb_per_s"] for _, r, _ in ok]),
            ("p99", "ms", [r["latency_us"]["p99"] / 1000 for _, r, _ in ok]),
            ("broker RSS", "MiB", [rss / 1024 for _, _, rss in ok]),
        ]
        with open(os.path.join(OUT, f"{name}.svg"), "w") as plot:
            plot.write(svg_plot(f"bench produce against {flag}", [v for v, _, _ in ok], series))
    print(f"tables and plots in {OUT}")


if __name__ == "__main__":
    main()
