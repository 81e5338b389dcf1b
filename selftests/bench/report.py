#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""report.py OUTDIR [GUEST_LOG]: the table, bench.json and bench.svg of `make bench`.

Inputs: OUTDIR/native.json and OUTDIR/native-packed.json (native_bench), and
the guest's output (selftests/bench/guest-bench.sh lines, as the rig saved
them in build/vm/<kver>/out.log).

Floors (see docs/perf.md):
  strict, locked  a pair at depth d, t threads: one contended atomic pair at
                  the shared root (atomic_pair at t threads) plus d - 1
                  uncontended ones (atomic_pair at 1 thread); each thread has
                  its own chain below the root.
  batched         two per-cpu increments (a stock hit on charge and a stock
                  refill on uncharge): the ratio is cost per stock operation
                  in per-cpu increments.
  memcg anchor    (alloc+free with __GFP_ACCOUNT) - (alloc+free without),
                  per page, guest only.
"""
import json
import os
import re
import sys

POLICIES = ["strict", "batched", "locked"]
DEPTHS = [1, 2, 4, 8]


def load_native(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def parse_guest(path):
    """Points from the guest log, averaged per (kind, depth, threads)."""
    points, extra, info, reclaim = {}, [], {}, []
    if not path or not os.path.exists(path):
        return None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.strip()
            if line.startswith("memcglab-bench-reclaim: "):
                try:
                    reclaim.append(json.loads(line.split(": ", 1)[1]))
                except ValueError:
                    pass
                continue
            if line.startswith("memcglab-bench-json: "):
                try:
                    extra.append(json.loads(line.split(": ", 1)[1]))
                except ValueError:
                    pass
                continue
            if line.startswith("memcglab-bench: "):
                info.update(re.findall(r"(\w+)=(\S+)", line))
                continue
            if not line.startswith("memcglab-bench-point: "):
                continue
            try:
                r = json.loads(line.split(": ", 1)[1])
            except ValueError:
                continue
            ops = [t["ops"] for t in r["per_thread"]]
            ns = [t["ns"] for t in r["per_thread"]]
            per = sum(n / o for n, o in zip(ns, ops)) / len(ops)
            kind = r["kind"]
            if r.get("siblings", 1) > 1:    # alternating leaves: its own point
                kind = "%s/s%d" % (kind, r["siblings"])
            key = (kind, r["depth"], r["threads"])
            p = points.setdefault(key, {"kind": kind, "depth": r["depth"],
                                        "threads": r["threads"], "runs": [],
                                        "ops_per_sec": 0,
                                        "accounted": r.get("accounted")})
            p["runs"].append(per)
            if r.get("base_ops"):
                p.setdefault("base_runs", []).append(r["base_ns"] / r["base_ops"])
            p["ops_per_sec"] = sum(ops) * 1e9 / r["wall_ns"] if r["wall_ns"] else 0
            p["per_thread_ns"] = [n / o for n, o in zip(ns, ops)]
    for p in points.values():
        p["ns_per_pair"] = sum(p["runs"]) / len(p["runs"])
    return {"info": info, "points": points, "io": extra, "reclaim": reclaim}


def reclaim_rows(guest):
    """Reclaim cost per page reclaimed: lab / real memcg, per round."""
    rows = []
    pts = guest.get("reclaim", []) if guest else []
    by = {}
    for p in pts:
        by.setdefault(p["round"], {})[p["target"]] = p
    if not by:
        return rows
    print()
    print("reclaim (guest): memory.reclaim of %d MiB of clean page cache, ns per page"
          " reclaimed" % (pts[0]["bytes"] >> 20))
    print("  %5s | %9s %7s | %9s %7s | %s" % ("round", "lab", "pages", "memcg", "pages",
                                            "lab/memcg"))
    for rnd in sorted(by):
        lab, real = by[rnd].get("lab"), by[rnd].get("memcg")
        if not lab or not real or not lab["ns_per_page"] or not real["ns_per_page"]:
            continue
        ratio = lab["ns_per_page"] / real["ns_per_page"]
        rows.append({"round": rnd, "lab": lab, "memcg": real, "ratio": ratio})
        print("  %5d | %9.1f %7d | %9.1f %7d | %.4f" % (
            rnd, lab["ns_per_page"], lab["pages"], real["ns_per_page"], real["pages"], ratio))
    if rows:
        r = sorted(x["ratio"] for x in rows)
        print("  median lab/memcg %.4f (the lab evicts whole charges from a list; the kernel"
              " isolates, unmaps and frees every page)" % r[len(r) // 2])
    return rows


def index_native(native):
    if not native:
        return {}
    return {(p["kind"], p["depth"], p["threads"]): p for p in native["points"]}


def floor_ns(pts, kind, depth, threads):
    if kind == "batched":
        f = pts.get(("percpu_inc", 1, threads))
        return 2 * f["ns_per_pair"] if f else None
    shared = pts.get(("atomic_pair", 1, threads))
    alone = pts.get(("atomic_pair", 1, 1))
    if not shared or not alone:
        return None
    return shared["ns_per_pair"] + (depth - 1) * alone["ns_per_pair"]


def multistock_rows(gpts):
    """multistock against batched in the guest, same group or alternating."""
    rows = []
    keys = sorted({(k[1], k[2]) for k in gpts if k[0].startswith("multistock")})
    if not keys:
        return rows
    print()
    print("multi-memcg stock (guest): ns per pair, batched / multistock = speedup")
    print("  %5s %3s | %-22s %9s %10s %7s   %s" % ("depth", "thr", "workload", "batched",
                                                    "multistock", "ratio", "runs (ns)"))
    for d, t in keys:
        for suffix, what in (("", "one group per thread"),
                             ("/s2", "alternating siblings")):
            b = gpts.get(("batched" + suffix, d, t))
            m = gpts.get(("multistock" + suffix, d, t))
            if not b or not m:
                continue
            ratio = b["ns_per_pair"] / m["ns_per_pair"]
            rows.append({"depth": d, "threads": t, "workload": what,
                         "batched_ns": b["ns_per_pair"],
                         "multistock_ns": m["ns_per_pair"], "ratio": ratio})
            print("  %5d %3d | %-22s %9.0f %10.0f %6.2fx   %s / %s" % (
                d, t, what, b["ns_per_pair"], m["ns_per_pair"], ratio,
                " ".join("%.0f" % x for x in b["runs"]),
                " ".join("%.0f" % x for x in m["runs"])))
    return rows


def fmt(v, spec="%.1f"):
    return spec % v if v is not None else "-"


def main():
    out = sys.argv[1]
    guest_log = sys.argv[2] if len(sys.argv) > 2 else None
    native = load_native(os.path.join(out, "native.json"))
    packed = load_native(os.path.join(out, "native-packed.json"))
    guest = parse_guest(guest_log)
    npts = index_native(native)
    ppts = index_native(packed)
    gpts = guest["points"] if guest else {}

    # Accounted minus unaccounted chunks of the same runs.
    memcg = None
    mg = gpts.get(("memcg", 1, 1))
    if mg and mg.get("base_runs"):
        memcg = mg["ns_per_pair"] - sum(mg["base_runs"]) / len(mg["base_runs"])
    threads = sorted({k[2] for k in list(npts) + list(gpts) if k[0] in POLICIES})

    rows = []
    print("memcglab bench: ns per charge+uncharge pair of 1 page (mean of threads)")
    if guest:
        print("guest: %s, %s vCPUs (QEMU TCG: emulated, compare ratios only)"
              % (guest["info"].get("kernel", "?"), guest["info"].get("cpus", "?")))
    if native:
        print("native: counter.c/policy.c in userspace, %s CPUs (real CPU speed)" % native["cpus"])
    print()
    hdr = "%-8s %5s %3s | %9s %7s %7s | %9s %7s %7s" % (
        "policy", "depth", "thr", "native ns", "xfloor", "xwalk", "guest ns", "xfloor", "xmemcg")
    print(hdr)
    print("-" * len(hdr))
    for pol in POLICIES:
        for t in threads:
            for d in DEPTHS:
                n = npts.get((pol, d, t))
                g = gpts.get((pol, d, t))
                if not n and not g:
                    continue
                row = {"policy": pol, "depth": d, "threads": t}
                if n:
                    f = floor_ns(npts, pol, d, t)
                    w = npts.get(("walk", d, t))
                    row.update(native_ns=n["ns_per_pair"], native_floor=f,
                               native_x_floor=n["ns_per_pair"] / f if f else None,
                               native_x_walk=(n["ns_per_pair"] / w["ns_per_pair"]
                                              if w and pol != "batched" else None),
                               native_ops_per_sec=n["ops_per_sec"],
                               native_per_thread_ns=n["per_thread_ns"])
                if g:
                    f = floor_ns(gpts, pol, d, t)
                    row.update(guest_ns=g["ns_per_pair"], guest_floor=f,
                               guest_x_floor=g["ns_per_pair"] / f if f else None,
                               guest_x_memcg=g["ns_per_pair"] / memcg if memcg else None,
                               guest_ops_per_sec=g["ops_per_sec"],
                               guest_per_thread_ns=g.get("per_thread_ns"))
                rows.append(row)
                print("%-8s %5d %3d | %9s %7s %7s | %9s %7s %7s" % (
                    pol, d, t, fmt(row.get("native_ns")), fmt(row.get("native_x_floor"), "%.2f"),
                    fmt(row.get("native_x_walk"), "%.2f"), fmt(row.get("guest_ns"), "%.0f"),
                    fmt(row.get("guest_x_floor"), "%.2f"), fmt(row.get("guest_x_memcg"), "%.2f")))
    print()
    print("floors and anchors (ns):")
    for kind in ["atomic_pair", "percpu_inc", "irq_pair"]:
        for t in threads:
            n, g = npts.get((kind, 1, t)), gpts.get((kind, 1, t))
            print("  %-12s %d thr: native %8s  guest %8s" % (
                kind, t, fmt(n and n["ns_per_pair"], "%.2f"), fmt(g and g["ns_per_pair"], "%.1f")))
    for t in threads:
        for d in DEPTHS:
            n, g = npts.get(("walk", d, t)), gpts.get(("walk", d, t))
            if n or g:
                print("  walk d=%d    %d thr: native %8s  guest %8s" % (
                    d, t, fmt(n and n["ns_per_pair"], "%.2f"), fmt(g and g["ns_per_pair"], "%.1f")))
    if memcg is not None:
        print("  guest page alloc+free %.0f, with __GFP_ACCOUNT %.0f (accounted=%s):"
              " memcg accounting %.0f ns/page (runs: %s)" % (
                  sum(mg["base_runs"]) / len(mg["base_runs"]), mg["ns_per_pair"],
                  mg["accounted"], memcg,
                  ", ".join("%.0f-%.0f" % (a, b) for a, b in zip(mg["runs"], mg["base_runs"]))))
    layout = []
    if packed:
        print()
        print("layout (native): packed struct (%d bytes) -> cache-line aligned (%d bytes)" % (
            packed["counter_size"], native["counter_size"] if native else 0))
        for pol in ["neighbours"] + POLICIES:
            for t in threads:
                for d in DEPTHS:
                    a, b = npts.get((pol, d, t)), ppts.get((pol, d, t))
                    if a and b:
                        layout.append({"policy": pol, "depth": d, "threads": t,
                                       "packed_ns": b["ns_per_pair"], "aligned_ns": a["ns_per_pair"]})
                        print("  %-8s d=%d thr=%d: packed %7.2f  aligned %7.2f ns  (%+.0f%%)" % (
                            pol, d, t, b["ns_per_pair"], a["ns_per_pair"],
                            (a["ns_per_pair"] / b["ns_per_pair"] - 1) * 100))
    stock = multistock_rows(gpts)
    reclaim = reclaim_rows(guest)
    io = guest["io"] if guest else []
    if io:
        print()
        print("1 GiB in 4 KiB steps (guest):")
        for r in io:
            print("  %-8s %.3f s (%.0f ns/step), release %.3f s" % (
                r.get("path"), r.get("seconds", 0), r.get("ns_per_step", 0),
                r.get("release_seconds", 0)))

    result = {"native": native, "native_packed": packed,
              "guest": {"info": guest["info"], "io": io,
                        "points": [dict(v, key=None) for v in gpts.values()]} if guest else None,
              "memcg_ns_per_page": memcg, "rows": rows, "layout": layout,
              "multistock": stock, "reclaim": reclaim}
    for p in (result["guest"] or {}).get("points", []):
        p.pop("key", None)
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.join(out, "bench.svg"), "w") as f:
        f.write(svg(npts, gpts, memcg, threads))
    print()
    print("wrote %s/bench.json and %s/bench.svg" % (out, out))


COLORS = {"strict": "#1f77b4", "batched": "#2ca02c", "locked": "#d62728"}


def svg(npts, gpts, memcg, threads):
    """Two panels (native, guest): ns per pair against depth at 1 thread,
    log scale; dashed lines for the floors, dotted for the memcg anchor."""
    W, H, PW, PH, L, T = 900, 420, 360, 300, 70, 50
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
             'font-family="sans-serif" font-size="12">' % (W, H),
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="%d" y="22" font-size="15">memcglab: cost of a charge+uncharge pair '
             'against hierarchy depth (1 thread, log scale)</text>' % L]
    import math

    for i, (name, pts, anchor) in enumerate([("native (real CPU)", npts, None),
                                             ("guest (QEMU TCG, emulated)", gpts, memcg)]):
        x0 = L + i * (PW + 90)
        series = {}
        for pol in POLICIES:
            series[pol] = [(d, pts[(pol, d, 1)]["ns_per_pair"]) for d in DEPTHS if (pol, d, 1) in pts]
        ap = pts.get(("atomic_pair", 1, 1))
        pc = pts.get(("percpu_inc", 1, 1))
        floors = {}
        if ap:
            floors["d x atomic pair"] = [(d, d * ap["ns_per_pair"]) for d in DEPTHS]
        if pc:
            floors["2 x per-cpu inc"] = [(d, 2 * pc["ns_per_pair"]) for d in DEPTHS]
        vals = [v for s in list(series.values()) + list(floors.values()) for _, v in s]
        if anchor:
            vals.append(anchor)
        parts.append('<text x="%d" y="%d" font-size="13">%s</text>' % (x0, T - 10, name))
        parts.append('<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#888"/>'
                     % (x0, T, PW, PH))
        if not vals:
            parts.append('<text x="%d" y="%d">no data</text>' % (x0 + 20, T + 40))
            continue
        lo = 10 ** math.floor(math.log10(max(min(vals), 1e-3)))
        hi = 10 ** math.ceil(math.log10(max(vals)))

        def X(d):
            return x0 + 20 + (DEPTHS.index(d)) * (PW - 40) / (len(DEPTHS) - 1)

        def Y(v):
            v = max(v, lo)
            return T + PH - (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * PH

        e = lo
        while e <= hi * 1.001:
            parts.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/>' % (x0, x0 + PW, Y(e), Y(e)))
            parts.append('<text x="%d" y="%.1f" text-anchor="end">%g ns</text>' % (x0 - 4, Y(e) + 4, e))
            e *= 10
        for d in DEPTHS:
            parts.append('<text x="%.1f" y="%d" text-anchor="middle">%d</text>' % (X(d), T + PH + 16, d))
        parts.append('<text x="%d" y="%d" text-anchor="middle">depth</text>' % (x0 + PW / 2, T + PH + 32))

        def poly(pts_, color, dash, label, ly):
            if not pts_:
                return
            path = " ".join("%.1f,%.1f" % (X(d), Y(v)) for d, v in pts_)
            parts.append('<polyline points="%s" fill="none" stroke="%s" stroke-width="2"%s/>'
                         % (path, color, ' stroke-dasharray="%s"' % dash if dash else ""))
            for d, v in pts_:
                parts.append('<circle cx="%.1f" cy="%.1f" r="2.5" fill="%s"/>' % (X(d), Y(v), color))
            parts.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="%s" stroke-width="2"%s/>'
                         % (x0 + PW + 6, x0 + PW + 22, ly, ly, color,
                            ' stroke-dasharray="%s"' % dash if dash else ""))
            parts.append('<text x="%d" y="%d" font-size="10">%s</text>' % (x0 + PW + 6, ly - 4, label))

        ly = T + 10
        for pol in POLICIES:
            poly(series[pol], COLORS[pol], None, pol, ly)
            ly += 26
        for label, s in floors.items():
            poly(s, "#555", "5,4", label, ly)
            ly += 26
        if anchor:
            poly([(d, anchor) for d in DEPTHS], "#9467bd", "2,3", "memcg/page", ly)
    parts.append("</svg>\n")
    return "\n".join(parts)


if __name__ == "__main__":
    main()
