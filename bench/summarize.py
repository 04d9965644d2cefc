#!/usr/bin/python3
"""Summarises a bench/run.sh (or run-nullfs.sh) output directory.

Reads OUT/<results>/<target>.r<round>.txt ("metric value unit" lines, "# ..." notes)
and writes OUT/summary<suffix>.md (headed by OUT/env<suffix>.txt): per metric and target the median over the rounds,
with +- half the min-max range as a percentage of the median, then ratio tables
(each FUSE target / native, and ours / each extra target). Also writes
OUT/chart<suffix>.tsv for chart.sh: medians normalised to the baseline target, with
latencies inverted so that higher is better throughout. Standard library only.

usage: summarize.py OUT [--results DIR] [--suffix S] [--targets "a b"] [--baseline T]
"""
import argparse
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path

OURS = ["dev-single", "dev-workers", "uring"]
BUILTIN = ["native"] + OURS
# Known metrics in reading order; anything else follows in order of appearance.
METRIC_ORDER = [
    "seq_write_1m", "seq_read_1m", "rand_read_4k_j1", "rand_read_4k_j1_p50",
    "rand_read_4k_j1_p99", "rand_read_4k_j2", "rand_read_4k_aio", "meta_stat", "meta_create",
    "null_stat", "null_stat_p50", "null_stat_p99", "null_stat_max", "null_lookup",
    "null_lookup_p50", "null_lookup_p99", "null_lookup_max", "null_read_4k", "null_read_4k_p50",
    "null_read_4k_p99", "null_read_4k_max",
]
ENV_KEYS = ["kernel", "cpu", "nproc", "enable_uring", "haltpoll_cmdline", "haltpoll_sysfs",
            "cpuidle_driver", "commit", "bench"]
RESULT_FILE = re.compile(r"^(?P<target>.+)\.r(?P<round>\d+)\.txt$")


def is_latency(unit):
    return unit == "us"


def load(results_dir):
    """-> values[metric][target] = [floats], units{metric}, notes[(target, round, text)]"""
    values = defaultdict(lambda: defaultdict(list))
    units, notes, rounds, seen_targets, seen_metrics = {}, [], set(), [], []
    for path in sorted(results_dir.iterdir(), key=lambda p: p.name):
        m = RESULT_FILE.match(path.name)
        if not m:
            continue
        target, rnd = m["target"], int(m["round"])
        rounds.add(rnd)
        if target not in seen_targets:
            seen_targets.append(target)
        for line in path.read_text().splitlines():
            line = line.strip()
            if line.startswith("#"):
                notes.append((target, rnd, line.lstrip("# ")))
                continue
            parts = line.split()
            if len(parts) != 3:
                continue
            metric, value, unit = parts
            try:
                values[metric][target].append(float(value))
            except ValueError:
                continue
            units[metric] = unit
            if metric not in seen_metrics:
                seen_metrics.append(metric)
    metrics = [m for m in METRIC_ORDER if m in units] + \
        [m for m in seen_metrics if m not in METRIC_ORDER]
    return values, units, notes, sorted(rounds), seen_targets, metrics


def fmt(x):
    if x >= 100:
        return f"{x:.0f}"
    return f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" if i == 0 else "--:" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--results", default="results", help="subdirectory of result files")
    ap.add_argument("--suffix", default="", help="for summary<S>.md and chart<S>.tsv")
    ap.add_argument("--targets", default="", help="targets in column order")
    ap.add_argument("--baseline", default="", help="the chart's 1.0 (default: first extra, "
                    "else native, else the first target)")
    args = ap.parse_args()

    values, units, notes, rounds, seen, metrics = load(args.out / args.results)
    if not seen:
        sys.exit(f"summarize.py: no result files in {args.out / args.results}")
    targets = args.targets.split() or \
        [t for t in BUILTIN if t in seen] + sorted(t for t in seen if t not in BUILTIN)
    extras = [t for t in targets if t not in BUILTIN]
    baseline = args.baseline or (extras[0] if extras else "native" if "native" in targets
                                 else targets[0])

    med = {m: {t: statistics.median(v) for t, v in values[m].items() if v} for m in metrics}

    def label(m):
        return f"{m} ({units[m]}{', lower is better' if is_latency(units[m]) else ''})"

    out = ["# Benchmark summary", ""]
    env_file = args.out / f"env{args.suffix}.txt"
    if env_file.exists():
        env = dict(line.split(": ", 1) for line in env_file.read_text().splitlines()
                   if ": " in line)
        out += [f"- {k}: {env[k].strip()}" for k in ENV_KEYS if env.get(k, "").strip()]
        out.append("")

    out += [f"## Medians of {len(rounds)} round(s), ± half the min–max range", ""]
    failed_targets = {t for t, _, text in notes if text.startswith("FAILED")}
    rows = []
    for m in metrics:
        row = [label(m)]
        for t in targets:
            v = values[m].get(t, [])
            if not v:
                row.append("fail" if t in failed_targets else "–")
                continue
            spread = (max(v) - min(v)) / 2 / med[m][t] * 100 if med[m][t] else 0.0
            partial = f" ({len(v)}/{len(rounds)})" if len(v) < len(rounds) else ""
            row.append(f"{fmt(med[m][t])} ±{spread:.1f}%{partial}")
        rows.append(row)
    out += table(["metric"] + targets, rows) + [""]

    def ratio_table(title, refs, others):
        lines = []
        for ref in refs:
            cols = [t for t in others if t != ref]
            if ref not in targets or not cols:
                continue
            if not any(ref in med[m] for m in metrics):
                lines += [f"## {title} / {ref}", "", f"No results for {ref}.", ""]
                continue
            rows = []
            for m in metrics:
                row = [label(m)]
                for t in cols:
                    a, b = med[m].get(t), med[m].get(ref)
                    row.append(f"{a / b:.2f}×" if a is not None and b else "–")
                rows.append(row)
            lines += [f"## {title} / {ref}", ""] + table(["metric"] + cols, rows) + [""]
        return lines

    if "native" in targets:
        out += ratio_table("Each FUSE target", ["native"], [t for t in targets if t != "native"])
    ours = [t for t in targets if t in OURS]
    out += ratio_table("uringfuse", extras, ours)
    if baseline not in extras and baseline != "native":
        out += ratio_table("Each target", [baseline], targets)

    if notes:
        out += ["## Notes from the runs", ""]
        out += [f"- {t} round {r}: {text}" for t, r, text in sorted(notes)]
        out.append("")

    summary = "\n".join(out)
    (args.out / f"summary{args.suffix}.md").write_text(summary)
    print(summary)

    # The chart: higher is better everywhere, so latencies enter as baseline / value.
    # Targets without a single result would only be empty columns.
    charted = [t for t in targets if any(t in med[m] for m in metrics)]
    with open(args.out / f"chart{args.suffix}.tsv", "w") as tsv:
        tsv.write("metric\t" + "\t".join(charted) + "\n")
        for m in metrics:
            b = med[m].get(baseline)
            cells = []
            for t in charted:
                v = med[m].get(t)
                if not b or not v:
                    cells.append("?")
                else:
                    cells.append(f"{(b / v if is_latency(units[m]) else v / b):.4f}")
            name = f"{m} (1/x)" if is_latency(units[m]) else m
            tsv.write(name + "\t" + "\t".join(cells) + "\n")


if __name__ == "__main__":
    main()
