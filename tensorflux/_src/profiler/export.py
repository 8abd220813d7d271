"""Turns a stopped Recorder into ``<host>.trace.json.gz`` (Chrome/Perfetto) and
``<host>.xplane.pb`` (TensorBoard's Profile tab), written atomically."""

from __future__ import annotations

import gzip
import json
import math
import os
import socket
import time
from typing import NamedTuple

HOST_PLANE = "/host:CPU"
PID = 1


class Event(NamedTuple):
    tid: int
    ts: int  # ns since the profile began
    dur: int  # ns
    cat: str  # Op, Function, Trace, Python
    name: str  # op type for ops
    args: dict


def collect(rec):
    """The recorder's events, relative to the profile start, sorted per thread (parents first)."""
    out = []
    begin = rec.begin_ns
    for tid, start, end, cat, name, args in rec.events:
        if start < begin:
            continue  # before delay_ms: dropped whole, so nesting stays valid
        if cat == "Op":
            node, eager, sig = args
            a = {"name": node, "op": name, "long_name": f"{node}:{name}", "is_eager": int(eager)}
            for i, s in enumerate(sig):
                a[f"input{i}"] = _fmt_input(s)
        else:
            a = {k: _json_value(v) for k, v in args.items()} if args else {}
        out.append(Event(tid, start - begin, end - start, cat, name, a))
    out.sort(key=lambda e: (e.tid, e.ts, -e.dur))
    return out


def _fmt_input(s):
    from tensorflux._src.core import dtypes

    if isinstance(s, str):
        return s
    if type(s) is tuple and (not s or type(s[0]) is tuple):
        return "[" + ", ".join(_fmt_input(x) for x in s) + "]"
    dtype, shape = s
    try:
        name = dtypes.from_numpy(dtype).name
    except (TypeError, ValueError, KeyError):
        name = str(dtype)
    return f"{name}[{','.join(str(d) for d in shape)}]"


def _json_value(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int) or (isinstance(v, float) and math.isfinite(v)):
        return v
    return str(v)


def thread_order(rec, events):
    """Thread ids in the order they first recorded, with their names (only threads with events)."""
    used = {e.tid for e in events}
    return [(tid, name) for tid, name in rec.threads.items() if tid in used]


# --- Chrome trace JSON ------------------------------------------------------------------------
def chrome_trace(rec, events, host):
    """The trace as a JSON-ready dict (object format, µs timestamps relative to start)."""
    evs = [{"ph": "M", "name": "process_name", "pid": PID, "args": {"name": HOST_PLANE}},
           {"ph": "M", "name": "process_sort_index", "pid": PID, "args": {"sort_index": 0}}]
    for i, (tid, name) in enumerate(thread_order(rec, events)):
        evs.append({"ph": "M", "name": "thread_name", "pid": PID, "tid": tid,
                    "args": {"name": name}})
        evs.append({"ph": "M", "name": "thread_sort_index", "pid": PID, "tid": tid,
                    "args": {"sort_index": i}})
    for e in events:
        evs.append({"ph": "X", "cat": e.cat, "name": e.name, "pid": PID, "tid": e.tid,
                    "ts": e.ts / 1000, "dur": e.dur / 1000, "args": e.args})
    return {"displayTimeUnit": "ns", "traceEvents": evs,
            "otherData": {"producer": "tensorflux", "host": host,
                          "profile_start_time_ns": str(rec.start_epoch_ns)}}


# --- XSpace -----------------------------------------------------------------------------------
def xspace(rec, events, host, stop_epoch_ns):
    """The trace as a ``tensorflow.profiler.XSpace`` (one host plane, one line per thread)."""
    from tensorflux._src.proto import xplane_pb2

    space = xplane_pb2.XSpace(hostnames=[host])
    plane = space.planes.add(id=0, name=HOST_PLANE)
    ev_ids, stat_ids = {}, {}

    def stat_id(name):
        sid = stat_ids.get(name)
        if sid is None:
            sid = stat_ids[name] = len(stat_ids) + 1
            plane.stat_metadata[sid].id = sid
            plane.stat_metadata[sid].name = name
        return sid

    def event_id(name, display):
        key = (name, display)
        eid = ev_ids.get(key)
        if eid is None:
            eid = ev_ids[key] = len(ev_ids) + 1
            md = plane.event_metadata[eid]
            md.id, md.name, md.display_name = eid, name, display
        return eid

    by_tid = {}
    for e in events:
        by_tid.setdefault(e.tid, []).append(e)
    for i, (tid, name) in enumerate(thread_order(rec, events)):
        evs = by_tid[tid]
        base = evs[0].ts
        line = plane.lines.add(id=tid, display_id=i, name=name, timestamp_ns=base)
        for e in evs:
            if e.cat == "Op":  # TF's executor naming: "<node>:<type>", shown as the type
                eid = event_id(e.args["long_name"], e.name)
                stats = {k: v for k, v in e.args.items() if k not in ("name", "op", "long_name")}
            else:
                eid = event_id(e.name, "")
                stats = e.args
            xe = line.events.add(metadata_id=eid, offset_ps=(e.ts - base) * 1000,
                                 duration_ps=e.dur * 1000)
            for k, v in stats.items():
                _set_stat(xe.stats.add(metadata_id=stat_id(k)), v)
    env = space.planes.add(id=1, name="Task Environment")
    for sid, (k, v) in enumerate((("profile_start_time", rec.start_epoch_ns),
                                  ("profile_stop_time", stop_epoch_ns)), 1):
        env.stat_metadata[sid].id = sid
        env.stat_metadata[sid].name = k
        env.stats.add(metadata_id=sid, uint64_value=v)
    return space


def _set_stat(stat, v):
    if isinstance(v, int):
        stat.int64_value = v
    elif isinstance(v, float):
        stat.double_value = v
    else:
        stat.str_value = str(v)


# --- files ------------------------------------------------------------------------------------
def host_name():
    """The host name used in file names (TF: the machine's hostname)."""
    name = socket.gethostname() or "localhost"
    return name.replace(os.sep, "_").replace("/", "_")


def run_dir(logdir, host, when=None):
    """``<logdir>/plugins/profile/<YYYY_MM_DD_HH_MM_SS>``; a suffix avoids clobbering a run
    saved in the same second."""
    base = os.path.join(os.fspath(logdir), "plugins", "profile",
                        time.strftime("%Y_%m_%d_%H_%M_%S", time.localtime(when)))
    path, n = base, 0
    while os.path.exists(os.path.join(path, host + ".xplane.pb")):
        n += 1
        path = f"{base}_{n}"
    return path


def write_atomic(path, data):
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def save(rec, logdir, stop_epoch_ns):
    """Writes both files for ``rec`` under ``logdir``; returns the run directory."""
    host = host_name()
    events = collect(rec)
    path = run_dir(logdir, host, stop_epoch_ns / 1e9)
    os.makedirs(path, exist_ok=True)
    text = json.dumps(chrome_trace(rec, events, host), allow_nan=False, separators=(",", ":"))
    write_atomic(os.path.join(path, host + ".trace.json.gz"),
                 gzip.compress(text.encode("utf-8"), mtime=0))
    try:
        space = xspace(rec, events, host, stop_epoch_ns)
    except ImportError as e:
        raise ImportError("Writing the TensorBoard profile (xplane.pb) needs protobuf: pip "
                          "install tensorflux[protobuf]. The Chrome trace was written to "
                          f"{path}.") from e
    write_atomic(os.path.join(path, host + ".xplane.pb"), space.SerializeToString())
    return path
