"""The fault harness's verdicts (bench/faults.py): what the database holds for each write tried, latency and
answers per phase, how fast each fault gave a 503 and how fast the portal served again, against issue 11's aims."""
import json
import statistics

from bench.fault_clients import MARKER, SECTION_FIELD
from bench.run import percentile

# Issue 11's targets.
FIRST_503_AIM_S = 2.0
RECOVERY_AIM_S = 2.0
# After a fault ends, requests are reported apart for this long (the portal finding its feet again).
AFTER_FAULT_S = 5.0
KILL_WINDOW_S = 10.0


def check_writes(conninfo, recorder, people, shared):
    """What the database holds for every write tried."""
    import psycopg

    with psycopg.connect(conninfo, connect_timeout=10) as connection:
        found = dict(connection.execute(
            "SELECT substring(description from %s), count(*) FROM hours_entry WHERE description LIKE %s "
            "GROUP BY 1", (r"^(F\d{6}-h-u\d+-n\d+)", recorder.run + "-h-%")).fetchall())
        versions = {row[0]: (row[1], row[2]) for row in connection.execute(
            f"SELECT id, {SECTION_FIELD}, lock_version FROM plan_version WHERE id = ANY(%s)",
            ([p["version_id"] for p in people + shared],)).fetchall()}
    hours = [w for w in recorder.writes if w["kind"] == "hours"]
    acknowledged = [w for w in hours if w["acknowledged"]]
    result = {"hours": {
        "tried": len(hours), "acknowledged": len(acknowledged),
        "found once": sum(1 for w in acknowledged if found.get(w["marker"]) == 1),
        "lost": sum(1 for w in acknowledged if not found.get(w["marker"])),
        "duplicated": sum(1 for w in hours if found.get(w["marker"], 0) > 1),
        "refused (form shown again)": sum(1 for w in hours if w["status"] == 200),
        "committed though not acknowledged": sum(1 for w in hours if not w["acknowledged"] and found.get(w["marker"])),
        "committed though answered 5xx": sum(1 for w in hours if str(w["status"]).startswith("5")
                                             and found.get(w["marker"])),
        "committed though not acknowledged, examples": [
            {k: w[k] for k in ("marker", "status", "t0", "t1")} for w in hours
            if not w["acknowledged"] and found.get(w["marker"])][:5],
        "not acknowledged, by answer": count_by(w["status"] for w in hours if not w["acknowledged"]),
    }}
    result["hours"]["committed though not acknowledged, by answer"] = count_by(
        w["status"] for w in hours if not w["acknowledged"] and found.get(w["marker"]))

    # Plan saves on each adviser's own plan (one writer): each acknowledged text must be what the next read of
    # the form (or, for the last, the database) showed, unless a later save by the same adviser replaced it.
    plan_writes = [w for w in recorder.writes if w["kind"] == "plan" and w["pair"] is None]
    by_version = {}
    for w in plan_writes:
        by_version.setdefault(w["version_id"], []).append(w)
    lost, confirmed, ghost_markers = [], 0, set()
    for version_id, writes in by_version.items():
        writes.sort(key=lambda w: w["t0"])
        reads = sorted((r for r in recorder.readbacks if r["version_id"] == version_id), key=lambda r: r["t0"])
        final_text = versions.get(version_id, ("", 0))[0] or ""
        final = MARKER.search(final_text)
        final_marker = final.group(0) if final else None
        order = {w["marker"]: i for i, w in enumerate(writes)}
        for i, w in enumerate(writes):
            if not w["acknowledged"]:
                continue
            later_reads = [r["marker"] for r in reads if r["t0"] > w["t1"]]
            seen = later_reads[0] if later_reads else final_marker
            if seen == w["marker"] or (seen in order and order[seen] > i):
                confirmed += 1
            else:
                lost.append({"marker": w["marker"], "then_seen": seen})
        for marker in [r["marker"] for r in reads] + [final_marker]:
            if marker in order and not writes[order[marker]]["acknowledged"]:
                ghost_markers.add(marker)
    committed = sum(max(0, versions[p["version_id"]][1] - p["lock_version"]) for p in people if p["version_id"] in versions)
    result["plan saves"] = {
        "tried": len(plan_writes), "acknowledged": sum(w["acknowledged"] for w in plan_writes),
        "confirmed by the next read": confirmed, "lost": len(lost), "lost examples": lost[:5],
        "committed (lock_version bumps)": committed,
        "committed though not acknowledged (seen later)": len(ghost_markers),
        "committed though answered 5xx": sum(1 for w in plan_writes if w["marker"] in ghost_markers
                                             and str(w["status"]).startswith("5")),
        "committed though not acknowledged, examples": [
            {k: w[k] for k in ("marker", "status", "t0", "t1")} for w in plan_writes if w["marker"] in ghost_markers][:5],
        "conflict (409)": sum(1 for w in plan_writes if w["status"] == 409),
        "not acknowledged, by answer": count_by(w["status"] for w in plan_writes if not w["acknowledged"]),
    }
    # Same-instant pairs: one saved and one conflict (with its text kept) is right; both saved is a silent overwrite.
    pairs = recorder.pairs
    both = [p for p in pairs if p["statuses"] == [302, 302]]
    right = [p for p in pairs if sorted(map(str, p["statuses"])) == ["302", "409"]]
    result["same-instant pairs"] = {
        "rounds": len(pairs), "one saved, one conflict": len(right),
        "conflict page kept the text": sum(1 for p in right if any(p["text_kept"])),
        "both saved (silent overwrite)": len(both),
        "both conflict": sum(1 for p in pairs if p["statuses"] == [409, 409]),
        "other answers": count_by("/".join(map(str, p["statuses"])) for p in pairs if p not in both and p not in right
                                  and p["statuses"] != [409, 409]),
    }
    # Each shared plan must hold the text of a save that was acknowledged (the newest round with a "saved").
    holds_acknowledged = 0
    for s in shared:
        text = versions.get(s["version_id"], ("", 0))[0] or ""
        m = MARKER.search(text)
        acked = {w["marker"] for w in recorder.writes if w["kind"] == "plan" and w["pair"] and w["acknowledged"]
                 and w["version_id"] == s["version_id"]}
        holds_acknowledged += bool(m and m.group(0) in acked) or not acked
    result["same-instant pairs"]["shared plans holding an acknowledged text"] = f"{holds_acknowledged} of {len(shared)}"
    return result


def count_by(values):
    counts = {}
    for v in values:
        counts[str(v)] = counts.get(str(v), 0) + 1
    return dict(sorted(counts.items()))


def phase_of(t, done):
    db, lock, kill = done.get("db"), done.get("lock"), done.get("kill")
    if db and db["start"] <= t < db["end"]:
        return "database stopped"
    if db and db["end"] <= t < db["end"] + AFTER_FAULT_S:
        return f"database back (first {AFTER_FAULT_S:g} s)"
    if lock and lock["start"] <= t < lock["end"]:
        return "table lock held"
    if lock and lock["end"] <= t < lock["end"] + AFTER_FAULT_S:
        return f"lock released (first {AFTER_FAULT_S:g} s)"
    if kill and kill["start"] <= t < kill["start"] + KILL_WINDOW_S:
        return f"worker killed (first {KILL_WINDOW_S:g} s)"
    return "normal"


PHASES = ["normal", "database stopped", f"database back (first {AFTER_FAULT_S:g} s)", "table lock held",
          f"lock released (first {AFTER_FAULT_S:g} s)", f"worker killed (first {KILL_WINDOW_S:g} s)"]


def phase_table(requests, done):
    rows = {}
    for r in requests:
        rows.setdefault(phase_of(r["t0"], done), []).append(r)
    table = {}
    for phase in PHASES:
        rs = rows.get(phase, [])
        if not rs:
            continue
        latencies = sorted(r["t1"] - r["t0"] for r in rs)
        table[phase] = {"requests": len(rs), "answers": count_by(r["status"] for r in rs),
                        "p50 ms": 1000 * statistics.median(latencies), "p95 ms": 1000 * percentile(latencies, 95),
                        "max ms": 1000 * latencies[-1]}
    return table


def fault_timings(requests, done):
    """Seconds from a fault's start to the first 503, and from its end to the first 200 of a request begun after."""
    out = {}
    for name, fault in done.items():
        if name == "kill":
            out[name] = {"recovered after (s)": fault.get("ready_after_s")}
            continue
        start, end = fault["start"], fault["end"]
        row = {}
        for label, pool in (("", [r for r in requests if r["page"] != "/healthz"]),
                            ("/healthz ", [r for r in requests if r["page"] == "/healthz"])):
            first_503 = min((r["t1"] for r in pool if r["status"] == 503 and r["t1"] >= start), default=None)
            first_200 = min((r["t1"] for r in pool if r["status"] == 200 and r["t0"] >= end), default=None)
            late = first_503 is None or first_503 > end + AFTER_FAULT_S
            row[f"{label}first 503 after (s)"] = None if late else first_503 - start
            row[f"{label}recovered after (s)"] = None if first_200 is None else first_200 - end
        out[name] = row
    return out


def targets(writes, timings, healthz_phases, log_counts):
    met = {
        "0 hours entries lost": writes["hours"]["lost"] == 0,
        "0 hours entries duplicated": writes["hours"]["duplicated"] == 0,
        "0 plan saves lost": writes["plan saves"]["lost"] == 0,
        "0 silent overwrites": writes["same-instant pairs"]["both saved (silent overwrite)"] == 0,
        "0 writes committed though answered 5xx": not (writes["hours"]["committed though answered 5xx"]
                                                       or writes["plan saves"]["committed though answered 5xx"]),
        "0 workers killed by gunicorn's timeout": log_counts["worker timeouts (WORKER TIMEOUT)"] == 0,
    }
    if "db" in timings:
        first = timings["db"]["/healthz first 503 after (s)"]
        met[f"db: /healthz 503 within {FIRST_503_AIM_S:g} s"] = first is not None and first <= FIRST_503_AIM_S
    for name in ("db", "lock"):
        if name in timings:
            first = timings[name]["first 503 after (s)"]
            met[f"{name}: pages 503 within {FIRST_503_AIM_S:g} s"] = first is not None and first <= FIRST_503_AIM_S
    if "lock" in timings:
        # The database still answers while two tables are locked: /healthz must go on answering (200), not hang.
        held = healthz_phases.get("table lock held")
        met[f"lock: /healthz answers within {FIRST_503_AIM_S:g} s (max)"] = bool(held) and (
            held["max ms"] <= 1000 * FIRST_503_AIM_S)
    for name in ("db", "lock", "kill"):
        if name in timings:
            back = timings[name]["recovered after (s)"]
            met[f"{name}: serving again within {RECOVERY_AIM_S:g} s"] = back is not None and back <= RECOVERY_AIM_S
    return met


def gunicorn_log_counts(log_path):
    text = log_path.read_text(errors="replace")
    return {"worker timeouts (WORKER TIMEOUT)": text.count("WORKER TIMEOUT"),
            "workers booted": text.count("Booting worker"),
            "tracebacks": text.count("Traceback (most recent call last)")}


def fmt(value, digits=2, na="none"):
    if value is None:
        return na
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def report(result):
    db = f" ({result['db_fault']})" if "db" in result["faults asked"] else ""
    lines = [f"## Load and faults: {result['users']} advisers, {result['seconds']:g} s, gunicorn "
             f"{result['workers']} workers, faults {', '.join(result['faults asked']) or 'none'}{db}, {result['when']}",
             "", "Load average (1 min) at the start and the end: "
             f"{result['load average at start'][0]:.1f} and {result['load average at end'][0]:.1f} on "
             f"{result['cpus']} CPUs. Normal phase: p50 {result['phases'].get('normal', {}).get('p50 ms', 0):.0f} ms, "
             f"p95 {result['phases'].get('normal', {}).get('p95 ms', 0):.0f} ms (the floor under every time below).", ""]
    lines += ["| phase | requests | answers | p50 ms | p95 ms | max ms |", "|---|---:|---|---:|---:|---:|"]
    for label, table in (("", result["phases"]), ("/healthz, ", result["healthz phases"])):
        for phase, row in table.items():
            answers = ", ".join(f"{k}: {v}" for k, v in row["answers"].items())
            lines.append(f"| {label}{phase} | {row['requests']} | {answers} | {row['p50 ms']:.0f} | "
                         f"{row['p95 ms']:.0f} | {row['max ms']:.0f} |")
    lines += ["", f"All requests ({result['requests']}), by answer: "
              + ", ".join(f"{k}: {v}" for k, v in result["answers"].items()), ""]
    lines += ["| fault | at (s) | lasted (s) | first 503 after (s) | /healthz 503 after (s) | serving again after (s) "
              "| /healthz 200 again after (s) |", "|---|---:|---:|---:|---:|---:|---:|"]
    names = {"db": f"database {result['db_fault']}", "lock": "ACCESS EXCLUSIVE lock", "kill": "worker SIGKILLed"}
    for name, fault in result["faults"].items():
        t = result["fault timings"].get(name, {})
        lasted = (fault["end"] - fault["start"]) if fault.get("end") is not None else None
        na = "n/a" if name == "kill" else "none"
        lines.append(f"| {names[name]} | {fault['start']:.1f} | {fmt(lasted, 1)} | "
                     f"{fmt(t.get('first 503 after (s)'), na=na)} | {fmt(t.get('/healthz first 503 after (s)'), na=na)} | "
                     f"{fmt(t.get('recovered after (s)'))} | {fmt(t.get('/healthz recovered after (s)'), na=na)} |")
    lines.append("")
    for kind, row in result["writes"].items():
        lines.append(f"**{kind}**: " + "; ".join(
            f"{k} {json.dumps(v) if isinstance(v, (dict, list)) else v}" for k, v in row.items() if v not in ({}, [])))
        lines.append("")
    lines.append("gunicorn log: " + ", ".join(f"{k} {v}" for k, v in result["gunicorn log"].items()))
    lines += ["", "Targets (issue 11): " + "; ".join(f"{k}: {'met' if v else 'MISSED'}"
                                                    for k, v in result["targets"].items())]
    return "\n".join(lines)
