"""Shared checks for profiler tests: the spec's trace-event schema and nesting rule."""

import glob
import gzip
import json
import os

# The minimal schema from ../shared/specs/trace-events.md §7.1.
TRACE_SCHEMA = {
    "type": "object",
    "required": ["traceEvents"],
    "properties": {
        "traceEvents": {"type": "array", "items": {"$ref": "#/$defs/event"}},
        "displayTimeUnit": {"enum": ["ms", "ns"]},
        "otherData": {"type": "object"},
        "metadata": {"type": "object"},
    },
    "$defs": {
        "id": {"type": ["integer", "string"]},
        "event": {
            "type": "object",
            "if": {"required": ["ph"]},
            "then": {
                "required": ["ph", "pid"],
                "properties": {
                    "ph": {"enum": list("BEXiICMbnestfNODPSTFRc()Vv")},
                    "name": {"type": "string"}, "cat": {"type": "string"},
                    "pid": {"$ref": "#/$defs/id"}, "tid": {"$ref": "#/$defs/id"},
                    "ts": {"type": "number"}, "dur": {"type": "number", "minimum": 0},
                    "args": {"type": "object"}, "s": {"enum": ["g", "p", "t"]},
                    "id": {"$ref": "#/$defs/id"},
                },
                "allOf": [
                    {"if": {"properties": {"ph": {"const": "X"}}},
                     "then": {"required": ["name", "ts", "dur", "tid"]}},
                    {"if": {"properties": {"ph": {"enum": ["B", "i", "I", "C"]}}},
                     "then": {"required": ["name", "ts"]}},
                    {"if": {"properties": {"ph": {"const": "E"}}}, "then": {"required": ["ts"]}},
                    {"if": {"properties": {"ph": {"enum": ["s", "t", "f", "b", "n", "e"]}}},
                     "then": {"required": ["id", "ts"]}},
                    {"if": {"properties": {"ph": {"const": "C"}}},
                     "then": {"required": ["args"], "properties": {
                         "args": {"additionalProperties": {"type": "number"}}}}},
                    {"if": {"properties": {"ph": {"const": "M"}}},
                     "then": {"required": ["name", "args"], "properties": {"name": {"enum": [
                         "process_name", "process_labels", "process_sort_index", "thread_name",
                         "thread_sort_index", "process_uptime_seconds", "num_cpus"]}}}},
                ],
            },
        },
    },
}


def _reject_constant(c):
    raise ValueError(f"non-standard JSON constant {c}")


def load_trace(path):
    """Strict JSON parse (NaN/Infinity rejected, as browsers do)."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return json.load(f, parse_constant=_reject_constant)


def partial_overlaps(events):
    """X slices that partially overlap their enclosing slice on a (pid, tid) track (§7.2).

    Times compared in integer nanoseconds, as Perfetto imports them.
    """
    tracks = {}
    for e in events:
        if e.get("ph") == "X":
            s = round(e["ts"] * 1000)
            tracks.setdefault((e["pid"], e["tid"]), []).append((s, s + round(e["dur"] * 1000), e))
    bad = []
    for evs in tracks.values():
        evs.sort(key=lambda x: (x[0], -(x[1] - x[0])))
        stack = []
        for s, end, e in evs:
            while stack and stack[-1] <= s:
                stack.pop()
            if stack and end > stack[-1]:
                bad.append(e)
            stack.append(end)
    return bad


def run_files(logdir):
    """(run_dir, trace.json.gz path, xplane.pb path) of the single run under ``logdir``."""
    runs = glob.glob(os.path.join(logdir, "plugins", "profile", "*"))
    assert len(runs) == 1, runs
    js = glob.glob(os.path.join(runs[0], "*.trace.json.gz"))
    pb = glob.glob(os.path.join(runs[0], "*.xplane.pb"))
    assert len(js) == 1 and len(pb) == 1, os.listdir(runs[0])
    return runs[0], js[0], pb[0]


def x_events(trace, cat=None):
    return [e for e in trace["traceEvents"] if e["ph"] == "X" and (cat is None or e["cat"] == cat)]


def contains(outer, inner):
    s, e = round(outer["ts"] * 1000), round((outer["ts"] + outer["dur"]) * 1000)
    return (outer["tid"] == inner["tid"] and s <= round(inner["ts"] * 1000)
            and round((inner["ts"] + inner["dur"]) * 1000) <= e)
