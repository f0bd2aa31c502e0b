"""Where a full load's time goes, from the Chromium traces `bench_browser.py --trace` writes.

    .venv/bin/python scripts/bench_trace.py /tmp/traces/frame.json /tmp/traces/journal.json

For each trace, on the page's clock (0 = navigation start): the requests the page made (start,
end, size), the websocket's first request and last message of the first run, the box and text
events, frames (iframes) created, and the renderer main thread's busy time by kind of work in
the windows [0, first request], [first request, last message] and [last message, box], with the
longest tasks of the last window and the scripts they ran.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from itertools import pairwise
from pathlib import Path
from typing import Any

# Renderer work by trace event name (devtools.timeline), the kinds the DevTools summary uses.
KINDS = {
    "EvaluateScript": "script: evaluate (first run of a file)",
    "v8.compile": "script: compile",
    "v8.compileModule": "script: compile",
    "V8.CompileCode": "script: compile",
    "v8.produceModuleCache": "script: compile",
    "FunctionCall": "script: run",
    "TimerFire": "script: run",
    "FireAnimationFrame": "script: run",
    "EventDispatch": "script: run",
    "RunMicrotasks": "script: run",
    "v8.callFunction": "script: run",
    "ParseHTML": "parse HTML",
    "ParseAuthorStyleSheet": "style: parse CSS",
    "UpdateLayoutTree": "style: recalculate",
    "Layout": "layout",
    "PrePaint": "paint",
    "Paint": "paint",
    "Layerize": "paint",
    "Commit": "paint",
    "MajorGC": "garbage collection",
    "MinorGC": "garbage collection",
    "V8.GC_SCAVENGER": "garbage collection",
    "BlinkGC.AtomicPhase": "garbage collection",
    "DecodeImage": "images and fonts",
    "ResourceReceivedData": "network callbacks",
}


def _main_thread(events: list[dict[str, Any]]) -> tuple[int, int, float]:
    """The renderer main thread of the measured page and its navigation start (µs)."""
    starts = [e for e in events if e.get("name") == "navigationStart"
              and e.get("args", {}).get("data", {}).get("documentLoaderURL", "").startswith("http")]
    start = starts[0]
    return start["pid"], start["tid"], float(start["ts"])


def _self_times(tasks: list[dict[str, Any]]) -> dict[str, float]:
    """Exclusive time (ms) per kind within complete events, nested by their time spans."""
    totals: dict[str, float] = defaultdict(float)
    ordered = sorted(tasks, key=lambda e: (e["ts"], -e.get("dur", 0)))
    stack: list[dict[str, Any]] = []
    child_time: dict[int, float] = defaultdict(float)
    for event in ordered:
        while stack and stack[-1]["ts"] + stack[-1].get("dur", 0) <= event["ts"]:
            stack.pop()
        if stack:
            child_time[id(stack[-1])] += event.get("dur", 0)
        stack.append(event)
    for event in ordered:
        own = event.get("dur", 0) - child_time[id(event)]
        totals[KINDS.get(event["name"], "other")] += own / 1000
    return totals


def summarise(path: Path, windows_of: int = 8) -> None:
    """Print the summary of one trace."""
    trace = json.loads(path.read_text())
    events: list[dict[str, Any]] = trace["traceEvents"]
    meta = trace["metadata"]
    pid, tid, origin = _main_thread(events)

    def ms(ts: float) -> float:
        return (ts - origin) / 1000

    print(f"\n== {path.name}: box {meta['box']:.0f} ms, text {meta['text']:.0f} ms, websocket: "
          f"first request {meta['firstRequest']:.0f} ms, last message {meta['lastMessage']:.0f} ms")
    sent = {e["args"]["data"]["requestId"]: e for e in events
            if e.get("name") == "ResourceSendRequest"}
    finished = {e["args"]["data"]["requestId"]: e for e in events
                if e.get("name") == "ResourceFinish"}
    print("requests (start → end, bytes):")
    for request_id, event in sorted(sent.items(), key=lambda kv: kv[1]["ts"]):
        url = event["args"]["data"]["url"].split("/", 3)[-1][:70]
        end = finished.get(request_id)
        if end is None:
            print(f"  {ms(event['ts']):7.0f}            {url}")
            continue
        size = end["args"]["data"].get("encodedDataLength", 0)
        print(f"  {ms(event['ts']):7.0f} → {ms(end['ts']):5.0f} {size:>9,} {url}")
    frames = [e for e in events if e.get("name") == "navigationStart" and e["ts"] > origin]
    for frame in frames:
        print(f"  a frame navigates at {ms(frame['ts']):.0f} ms: "
              f"{frame['args']['data'].get('documentLoaderURL') or 'about:blank'}")
    marks = [("0", 0.0), ("first request", meta["firstRequest"]),
             ("last message", meta["lastMessage"]), ("box", meta["box"]), ("text", meta["text"])]
    main = [e for e in events
            if e.get("pid") == pid and e.get("tid") == tid and e.get("ph") == "X"
            and "dur" in e]
    top = [e for e in main if e["name"] == "RunTask"]
    detail = [e for e in main if e["name"] in KINDS]
    for (name_a, a), (name_b, b) in pairwise(marks):
        inside = [e for e in detail if a <= ms(e["ts"]) < b]
        busy = sum(e["dur"] for e in top if a <= ms(e["ts"]) < b) / 1000
        kinds = _self_times(inside)
        parts = ", ".join(f"{k} {v:.0f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])
                          if v >= 1)
        print(f"{name_a} → {name_b} ({a:.0f}–{b:.0f} ms, {b - a:.0f} ms): main thread busy "
              f"{busy:.0f} ms; {parts}")
    window = [e for e in top if meta["lastMessage"] <= ms(e["ts"]) < meta["text"]]
    print(f"longest tasks between the last message and the text (of {len(window)}):")
    for task in sorted(window, key=lambda e: -e["dur"])[:windows_of]:
        end = task["ts"] + task["dur"]
        inner = [e for e in detail if task["ts"] <= e["ts"] < end]
        scripts = sorted({(e["args"].get("data", {}).get("url") or "").rsplit("/", 1)[-1]
                          for e in inner if e["name"] in ("EvaluateScript", "FunctionCall",
                                                          "v8.compile")} - {""})
        kinds = _self_times(inner)
        parts = ", ".join(f"{k} {v:.0f}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])
                          if v >= 1)
        print(f"  {ms(task['ts']):6.0f} ms, {task['dur'] / 1000:5.1f} ms: {parts}; "
              f"{' '.join(scripts)[:120]}")


def main() -> None:
    """Summarise each trace given."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("traces", nargs="+", type=Path)
    args = parser.parse_args()
    for path in args.traces:
        summarise(path)


if __name__ == "__main__":
    main()
