"""Top-ops table from a profile: ``python -m tensorflux.profiler PATH [--top N]``.

PATH is a ``*.trace.json[.gz]`` (ours, TF's ``Timeline`` or xprof's trace viewer JSON), an
``*.xplane.pb`` (ours or TensorFlow's), or a logdir (its newest ``plugins/profile`` run).
Times are *self* times: an op's duration minus the ops nested in it (e.g. a ``While``'s body).
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import os
import sys


def find_profile(path):
    """The trace file to read for ``path`` (a file, a run directory or a logdir)."""
    if os.path.isfile(path):
        return path
    if not os.path.isdir(path):
        raise FileNotFoundError(f"No such profile file or directory: {path!r}")
    runs = sorted(glob.glob(os.path.join(path, "plugins", "profile", "*")), key=os.path.getmtime)
    for d in runs[::-1] + [path]:
        for pattern in ("*.trace.json.gz", "*.xplane.pb"):
            found = sorted(glob.glob(os.path.join(d, pattern)))
            if found:
                return found[0]
    raise FileNotFoundError(f"No *.trace.json.gz or *.xplane.pb under {path!r} (expected "
                            "<logdir>/plugins/profile/<run>/<host>.trace.json.gz, as written by "
                            "tf.profiler.experimental.stop()).")


def read_ops(path):
    """``[(track, start_ns, dur_ns, op_type)]`` for every op execution in the file."""
    if path.endswith(".pb"):
        return _xplane_ops(path)
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    ops = []
    for e in events:
        if e.get("ph") != "X":
            continue
        args = e.get("args") or {}
        if e.get("cat") == "Op" or "long_name" in args:
            ops.append(((e.get("pid"), e.get("tid")), round(e["ts"] * 1000),
                        round(e["dur"] * 1000), e["name"]))
    return ops


def _xplane_ops(path):
    from tensorflux._src.proto import xplane_pb2

    space = xplane_pb2.XSpace()
    with open(path, "rb") as f:
        space.ParseFromString(f.read())
    ops = []
    for plane in space.planes:
        # TF's executor convention: event name "<node>:<type>", display name "<type>".
        types = {k: m.display_name for k, m in plane.event_metadata.items()
                 if m.display_name and m.name.endswith(":" + m.display_name)}
        for line in plane.lines:
            for ev in line.events:
                t = types.get(ev.metadata_id)
                if t is not None:
                    ops.append(((plane.id, line.id), line.timestamp_ns + ev.offset_ps // 1000,
                                ev.duration_ps // 1000, t))
    return ops


def self_times(ops):
    """Each op's duration minus the ops nested directly inside it on the same track."""
    order = sorted(range(len(ops)), key=lambda i: (ops[i][0], ops[i][1], -ops[i][2]))
    selft = [o[2] for o in ops]
    stack = []  # (track, end, index)
    for i in order:
        track, start, dur, _ = ops[i]
        while stack and (stack[-1][0] != track or stack[-1][1] <= start):
            stack.pop()
        if stack:
            selft[stack[-1][2]] -= dur
        stack.append((track, start + dur, i))
    return selft


def top_ops(ops):
    """Rows ``(op_type, count, total_ns, avg_ns, percent)`` sorted by total self time."""
    selft = self_times(ops)
    agg = {}
    for (_, _, _, t), s in zip(ops, selft):
        c = agg.setdefault(t, [0, 0])
        c[0] += 1
        c[1] += s
    grand = sum(v[1] for v in agg.values()) or 1
    rows = [(t, n, tot, tot / n, 100.0 * tot / grand) for t, (n, tot) in agg.items()]
    rows.sort(key=lambda r: (-r[2], r[0]))
    return rows


def format_table(rows, top=None, source=""):
    shown = rows[:top] if top else rows
    total = sum(r[2] for r in rows)
    count = sum(r[1] for r in rows)
    width = max([len("Op type")] + [len(r[0]) for r in shown])
    lines = [f"Top {len(shown)} of {len(rows)} op types by self time: {count} op executions, "
             f"{total / 1000:.3f} us in ops{' (' + source + ')' if source else ''}",
             f"{'Op type':<{width}}  {'Count':>7}  {'Total (us)':>12}  {'Avg (us)':>10}  "
             f"{'% time':>6}"]
    for t, n, tot, avg, pct in shown:
        lines.append(f"{t:<{width}}  {n:>7}  {tot / 1000:>12.3f}  {avg / 1000:>10.3f}  "
                     f"{pct:>6.2f}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m tensorflux.profiler",
                                description="Top ops of a tensorflux/TensorFlow profile.")
    p.add_argument("path", help="<host>.trace.json.gz, <host>.xplane.pb or a logdir")
    p.add_argument("--top", type=int, default=20, help="rows to print (default 20; 0 = all)")
    a = p.parse_args(argv)
    try:
        path = find_profile(a.path)
        rows = top_ops(read_ops(path))
    except (OSError, ValueError, KeyError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(format_table(rows, a.top, path))
    return 0
