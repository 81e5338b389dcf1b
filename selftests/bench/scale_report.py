#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""scale_report.py GUEST_LOG OUTDIR: the scale table and plot of `make bench`.

Reads the "memcglab-scale: {...}" lines scale_bench printed in the guest,
prints one table (per operation and size: the lab's cost, the real memcg's
cost and their ratio, lab/memcg; below 1 the lab is faster) and writes
OUTDIR/scale.json and OUTDIR/scale.svg (cost per group against the number
of groups, both axes logarithmic; the lab solid, the memcg dashed).
"""
import json
import math
import sys

PREFIX = "memcglab-scale: "
SLAB = "memcglab-scale-slab: "
NOTE = "memcglab-scale-note: "
UNITS = {"bytes_per_group": "B"}


def load(path, prefix=PREFIX):
    pts = []
    with open(path, errors="replace") as f:
        for line in f:
            i = line.find(prefix)
            if i >= 0:
                rest = line[i + len(prefix):]
                pts.append(json.loads(rest) if rest.startswith("{") else rest.strip())
    return pts


def slab_table(slabs):
    """Bytes per group by allocator cache, lab beside memcg."""
    by = {}
    for s in slabs:
        by.setdefault(s["cache"], {})[s["target"]] = s["bytes_per_group"]
    out = ["%-28s %10s %10s" % ("cache (1000 flat groups)", "lab", "memcg")]
    tot = {"lab": 0, "memcg": 0}
    for cache, r in sorted(by.items(), key=lambda kv: -max(kv[1].values())):
        for t in tot:
            tot[t] += r.get(t, 0)
        out.append("%-28s %10s %10s" % (cache, "%.0f B" % r["lab"] if "lab" in r else "-",
                                        "%.0f B" % r["memcg"] if "memcg" in r else "-"))
    out.append("%-28s %10s %10s" % ("total", "%.0f B" % tot["lab"], "%.0f B" % tot["memcg"]))
    return "\n".join(out)


def fmt(v, op):
    if v is None:
        return "-"
    if op in UNITS:
        return "%.0f B" % v
    if v >= 1e6:
        return "%.2f ms" % (v / 1e6)
    if v >= 1e3:
        return "%.1f us" % (v / 1e3)
    return "%.0f ns" % v


def table(pts):
    """One row per (operation, shape, size): the lab's cost, the memcg's, their
    ratio, and each one's growth against the previous size of that row
    (1.0 = flat per group, 10 = linear per group for a tenfold size)."""
    rows = {}
    for p in pts:
        key = (p["op"], p["shape"], p["n"])
        rows.setdefault(key, {})[p["target"]] = p["per"]
    out = ["%-16s %-6s %7s %12s %12s %10s %8s %8s" % (
        "operation", "shape", "n", "lab", "memcg", "lab/memcg", "lab gr", "memcg gr")]
    prev = {}
    for (op, shape, n), r in sorted(rows.items(), key=lambda kv: kv[0]):
        lab, mem = r.get("lab"), r.get("memcg")
        ratio = "%.2f" % (lab / mem) if lab is not None and mem else "-"
        grow = []
        for t, v in (("lab", lab), ("memcg", mem)):
            last = prev.get((op, shape, t))
            grow.append("%.2f" % (v / last) if v and last else "-")
            if v:
                prev[(op, shape, t)] = v
        out.append("%-16s %-6s %7d %12s %12s %10s %8s %8s" % (
            op, shape, n, fmt(lab, op), fmt(mem, op), ratio, grow[0], grow[1]))
    return "\n".join(out), rows


COLORS = {"mkdir": "#1f77b4", "rmdir": "#d62728", "read_stat": "#2ca02c",
          "dump": "#9467bd", "get_leaf": "#8c564b", "charge_leaf": "#ff7f0e",
          "charge_depth": "#e377c2", "charge_owners": "#17becf", "close_owner": "#7f7f7f"}


def svg(pts):
    """ns per group (per operation) against n, log-log; one line per
    (operation, target) for the flat shape and the chain/owner sweeps."""
    series = {}
    for p in pts:
        # rmdir_settle is the benchmark's wait between turns, not a cost
        if p["op"] in ("bytes_per_group", "rmdir_settle") or p["per"] <= 0:
            continue
        if p["shape"] == "tree":
            continue
        series.setdefault((p["op"], p["target"]), []).append((p["n"], p["per"]))
    if not series:
        return None
    xs = [n for s in series.values() for n, _ in s]
    ys = [v for s in series.values() for _, v in s]
    x0, x1 = math.log10(min(xs)), math.log10(max(xs)) or 1
    y0, y1 = math.floor(math.log10(min(ys))), math.ceil(math.log10(max(ys)))
    W, H, L, R, T, B = 760, 460, 70, 200, 30, 50

    def X(n):
        return L + (math.log10(n) - x0) / max(x1 - x0, 1e-9) * (W - L - R)

    def Y(v):
        return H - B - (math.log10(v) - y0) / max(y1 - y0, 1e-9) * (H - T - B)

    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
         'font-family="sans-serif" font-size="11">' % (W, H),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="%d" y="18" font-size="13">memcglab scale: cost per group or per '
         'charge against size (log-log; lab solid, real memcg dashed)</text>' % L]
    for e in range(int(y0), int(y1) + 1):
        y = Y(10 ** e)
        o.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (L, W - R, y, y))
        o.append('<text x="%d" y="%.1f" text-anchor="end">%s</text>' % (L - 4, y + 4, fmt(10 ** e, "")))
    for n in sorted(set(xs)):
        o.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (X(n), H - B + 16, n))
    o.append('<text x="%d" y="%d" text-anchor="middle">groups (depth for charge_depth, '
             'owners for charge_owners)</text>' % ((L + W - R) // 2, H - 12))
    ly = T + 10
    for (op, target), s in sorted(series.items()):
        s.sort()
        c = COLORS.get(op, "#000")
        dash = ' stroke-dasharray="5,3"' if target == "memcg" else ""
        o.append('<polyline fill="none" stroke="%s" stroke-width="2"%s points="%s"/>' % (
            c, dash, " ".join("%.1f,%.1f" % (X(n), Y(v)) for n, v in s)))
        for n, v in s:
            o.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (X(n), Y(v), c))
        o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>' % (
            W - R + 10, W - R + 34, ly, ly, c, dash))
        o.append('<text x="%d" y="%d">%s %s</text>' % (W - R + 38, ly + 4, op, target))
        ly += 15
    o.append("</svg>")
    return "\n".join(o)


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    pts = load(sys.argv[1])
    if not pts:
        print("scale: no memcglab-scale lines in %s" % sys.argv[1], file=sys.stderr)
        return 1
    text, rows = table(pts)
    print("Scale (guest, QEMU TCG; per group, or per charge):")
    print(text)
    for note in load(sys.argv[1], NOTE):
        print("note:", note)
    slabs = load(sys.argv[1], SLAB)
    if slabs:
        print("Memory per group by cache (/proc/slabinfo, meminfo Percpu):")
        print(slab_table(slabs))
    with open(sys.argv[2] + "/scale.json", "w") as f:
        json.dump(pts, f, indent=1)
    pic = svg(pts)
    if pic:
        with open(sys.argv[2] + "/scale.svg", "w") as f:
            f.write(pic)
    return 0


if __name__ == "__main__":
    sys.exit(main())
