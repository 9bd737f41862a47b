#!/usr/bin/env python3
"""Plots an `armgpu bench` JSON file: instructions per second against lanes,
one line per libarmgpu backend and peer, log scales, one panel per workload.

usage: plot.py BENCH.json [MORE.json ...] OUT.png

Several files (runs of the same suite on one machine, say `--backend cuda`
and `--backend cpu` as separate calls) are drawn together; the title is the
first file's.
"""
import json
import math
import sys


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        sys.exit(f"plot.py: matplotlib is not installed ({e}); Debian: apt-get install python3-matplotlib")
    files = sys.argv[1:-1]
    runs = []
    for path in files:
        with open(path) as f:
            runs.append(json.load(f))
    data = runs[0]
    # A peer measured in several files is drawn once, from the first.
    seen_peers = set()
    rows = []
    for run in runs:
        peers_here = set()
        for r in run["rows"]:
            if not (r.get("valid") and r["instructions_per_second"] > 0):
                continue
            if r["kind"] == "peer":
                if r["engine"] in seen_peers:
                    continue
                peers_here.add(r["engine"])
            rows.append(r)
        seen_peers |= peers_here
    workloads = []
    for r in rows:
        if r["workload"] not in workloads:
            workloads.append(r["workload"])
    if not workloads:
        sys.exit("plot.py: no valid rows to plot")
    cols = min(3, len(workloads))
    nrow = math.ceil(len(workloads) / cols)
    fig, axes = plt.subplots(nrow, cols, figsize=(5.2 * cols, 3.9 * nrow), squeeze=False)
    style = {"cpu": ("tab:blue", "o"), "cuda": ("tab:green", "s"),
             "unicorn": ("tab:orange", "^"), "qemu": ("tab:red", "D")}
    for i, w in enumerate(workloads):
        ax = axes[i // cols][i % cols]
        engines = []
        for r in rows:
            if r["workload"] == w and r["engine"] not in engines:
                engines.append(r["engine"])
        for e in engines:
            # Peers are plotted at the lane count of the libarmgpu batch they
            # are compared with (they run it, or a sample of it, on one
            # engine or process per host core).
            sel = [r for r in rows if r["workload"] == w and r["engine"] == e]
            pts = sorted((r["ref_lanes"] if r["kind"] == "peer" else r["lanes"],
                          r["instructions_per_second"]) for r in sel)
            xs = [p[0] for p in pts]
            ys = [p[1] for p in pts]
            color, marker = style.get(e, (None, "x"))
            peer = sel[0]["kind"] == "peer"
            label = f"{e} x{max(r['instances'] for r in sel)}" if peer else f"libarmgpu {e}"
            ax.plot(xs, ys, marker=marker, color=color, label=label,
                    linestyle="-" if len(xs) > 1 else "none")
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_title(w)
        ax.set_xlabel("lanes (peers: the batch compared with)")
        ax.set_ylabel("instructions / s")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    for j in range(len(workloads), nrow * cols):
        axes[j // cols][j % cols].axis("off")
    m = data.get("machine", {})
    gpu = m.get("gpu") or "no GPU"
    backends = ", ".join(str(run.get("backends")) for run in runs)
    fig.suptitle(f"armgpu bench ({data.get('suite')}; {backends}) {data.get('date')} commit {data.get('git_commit')}\n"
                 f"{m.get('cpu')}, {m.get('host_cores')} cores; {gpu}", fontsize=9)
    fig.tight_layout()
    fig.savefig(sys.argv[-1], dpi=110)


if __name__ == "__main__":
    main()
