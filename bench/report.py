"""Writes BENCHMARKS.md from the figures bench/run.sh recorded.

Usage: report.py RESULTS. RESULTS holds name=value lines, and the machine
and the command in "# machine=…" and "# command=…" lines.
Throughput is also shown as a ratio of the GET /healthz floor measured in
the same run; each goal of the performance issue is checked and, where
missed, the shortfall is given. bench/analysis.md (what the profiles show)
is appended as written.
"""

import pathlib
import sys


def load(path):
    figures = {}
    for line in pathlib.Path(path).read_text().splitlines():
        name, _, value = line.partition("=")
        if name.startswith("# "):
            figures[name[2:]] = value
            continue
        try:
            figures[name] = float(value)
        except ValueError:
            # Sampled wait events are words; other unreadable figures none.
            figures[name] = value if name.startswith("pg_waits_") else None
    return figures


def main():
    figures = load(sys.argv[1])
    machine, command = figures.pop("machine", "unknown"), figures.pop("command", "unknown")
    f = figures.get
    floor = f("floor") or 1.0
    out = [
        "# Benchmarks",
        "",
        f"Machine: {machine}.  ",
        f"Command: `{command}`, one run; wrk with 2 threads and 32 connections on loopback.",
        "Regenerate with the same command; numbers move by about ±10% between runs here.",
        "",
        "## Throughput",
        "",
        "| figure | requests/s | of `GET /healthz` |",
        "|---|---|---|",
    ]
    rows = [
        ("`GET /healthz` (the floor)", "floor"),
        ("`POST /api/v1/pauses`, SQLite", "sqlite_create"),
        ("`POST /r/{token}` approve, a new token each, SQLite", "sqlite_decide"),
        ("the same, each starting a webhook target", "decide_with_deliveries"),
        ("`POST /api/v1/pauses`, PostgreSQL", "pg_create"),
        ("`POST /api/v1/pauses` settled at once by a policy, PostgreSQL", "pg_create_policy"),
        ("`POST /r/{token}` approve, PostgreSQL", "pg_decide"),
        ("the same, two replicas on one database, together", "pg_decide_two"),
        ("pgbench one-row insert, 32 clients, same server", "pgbench_insert"),
        ("webhook deliveries/s draining a backlog of 20,000", "deliveries_per_second"),
        ("webhook deliveries/s while decisions pour in", "deliveries_during_decisions"),
    ]
    for label, key in rows:
        value = f(key)
        if value is None:
            out.append(f"| {label} | not measured | |")
        else:
            out.append(f"| {label} | {value:,.0f} | {value / floor:.2f} |")
    out += postgres(f)
    out += mcp(f)
    out += [
        "",
        "## At scale, idle, and waiting",
        "",
        "| figure | 1,000 pending | 1,000,000 pending | ratio |",
        "|---|---|---|---|",
    ]
    for label, key in [
        ("decide p99 (ms), 1,000 decisions, 32 at a time", "decide_p99_ms"),
        ("list first page p99 (ms), 32 connections", "list_first_p99_ms"),
        ("list deep page p99 (ms), 32 connections", "list_deep_p99_ms"),
        ("list first page requests/s", "list_first_rps"),
        ("list deep page requests/s", "list_deep_rps"),
        ("10,000 expiries settled by the sweep (ms of work)", "expire_10k_ms"),
        ("server RSS after all of the above (MiB)", "rss_mb"),
        ("idle CPU (% of one core, over 10 s)", "idle_cpu_percent"),
    ]:
        small, large = f(f"{key}_1000"), f(f"{key}_1000000")
        ratio = f"{large / small:.2f}" if small and large is not None else ""
        out.append(f"| {label} | {fmt(small)} | {fmt(large)} | {ratio} |")
    out += [
        "",
        "| figure | value |",
        "|---|---|",
        f"| start to ready, fresh database (ms) | {fmt(f('ready_ms'))} |",
        f"| idle RSS, fresh database (MiB) | {fmt(f('idle_rss_mb'))} |",
        f"| RSS with 10,000 long polls waiting (MiB) | {fmt(f('waiters_rss_mb'))} |",
        f"| RSS once they were answered (MiB) | {fmt(f('waiters_rss_after_mb'))} |",
        f"| wake-up after the decision, p99 / max (ms) | {fmt(f('wake_p99_ms'))} / {fmt(f('wake_max_ms'))} |",
        f"| server CPU per decision, no waiters (µs) | {fmt(f('decision_cpu_us_without'))} |",
        f"| server CPU per decision, 10,000 waiters on other pauses (µs) | {fmt(f('decision_cpu_us_with'))} |",
        f"| webhook deliveries sent twice (backlog / during decisions) | {fmt(f('deliveries_duplicates'))} / {fmt(f('deliveries_during_duplicates'))} |",
        f"| failed decide requests in the SQLite decide run | {fmt(f('sqlite_decide_errors'))} |",
        "",
        "## Goals",
        "",
        "| goal | measured | met |",
        "|---|---|---|",
    ]
    out += goals(f, floor)
    analysis = pathlib.Path(__file__).with_name("analysis.md")
    if analysis.exists():
        out += ["", analysis.read_text().rstrip()]
    print("\n".join(out))


def postgres(f):
    """The PostgreSQL figures as ratios of pgbench, and what its backends
    were seen waiting on while decisions ran."""
    insert = f("pgbench_insert")
    if not insert:
        return []
    out = [
        "",
        "## PostgreSQL, as a share of pgbench's one-row insert",
        "",
        "| figure | of pgbench |",
        "|---|---|",
    ]
    for label, key in [
        ("create", "pg_create"),
        ("create settled at once by a policy", "pg_create_policy"),
        ("decide", "pg_decide"),
        ("decide, two replicas together", "pg_decide_two"),
    ]:
        out.append(f"| {label} | {fmt2(ratio(f(key), insert))} |")
    out.append(f"| two replicas ÷ one | {fmt2(ratio(f('pg_decide_two'), f('pg_decide')))} |")
    out += [
        "",
        "CPU per request (µs), from `/proc` before and after each run: the",
        "server, the bench database's PostgreSQL backends, and the whole machine",
        "(the load generator included; for pgbench, whose backends are gone when",
        "it ends, only the machine's):",
        "",
        "| run | server | PostgreSQL | machine |",
        "|---|---|---|---|",
    ]
    for label, key in [("pgbench one-row insert", "pgbench"), ("create", "create"), ("decide", "decide")]:
        server, backends, machine = (f(f"pg_cpu_us_{part}_{key}") for part in ("server", "postgres", "machine"))
        if key == "pgbench":
            server = backends = None
        out.append(f"| {label} | {fmt(server)} | {fmt(backends)} | {fmt(machine)} |")
    out += [
        "",
        "What PostgreSQL's backends for the bench database were doing, sampled",
        "from `pg_stat_activity` (the wait event, or `CPU` for none) and `pg_locks`",
        "(`lockwait:KIND`, one per lock a backend waited for) five times a second",
        "while decisions ran:",
        "",
        "| run | samples | backend states seen (count) |",
        "|---|---|---|",
    ]
    for label, key in [("one replica", "pg_waits_one"), ("two replicas", "pg_waits_two")]:
        seen = (f(key) or "").split()
        samples = next((s.split("=")[1] for s in seen if s.startswith("samples=")), "n/a")
        states = ", ".join(f"`{s.rsplit('=', 1)[0]}` {s.rsplit('=', 1)[1]}" for s in seen if not s.startswith("samples="))
        out.append(f"| {label} | {samples} | {states or 'none active'} |")
    return out


def mcp(f):
    """The MCP figures: `request_approval` against the REST create measured
    in the same section, and the gateway's added latency on a call it
    passes through."""
    rest, calls = f("mcp_rest_create"), f("mcp_request_approval")
    direct = (f("mcp_direct_p50_ms"), f("mcp_direct_p99_ms"))
    gated = (f("mcp_gate_p50_ms"), f("mcp_gate_p99_ms"))
    added = [g - d if g is not None and d is not None else None for g, d in zip(gated, direct)]
    share = ratio(calls, rest)
    return [
        "",
        "## MCP",
        "",
        "| figure | value |",
        "|---|---|",
        f"| `POST /api/v1/pauses`, SQLite, measured beside the next line (requests/s) | {fmt(rest)} |",
        f"| `request_approval` over `POST /mcp`, a task each (calls/s) | {fmt(calls)} ({fmt2(share)} of the REST create) |",
        f"| failed `request_approval` calls | {fmt(f('mcp_request_approval_errors'))} |",
        f"| `read_file` to the upstream MCP server directly, p50 / p99 (ms) | {fmt2(direct[0])} / {fmt2(direct[1])} |",
        f"| the same through `pausegate mcp-gate`, p50 / p99 (ms) | {fmt2(gated[0])} / {fmt2(gated[1])} |",
        f"| added by the gateway, p50 / p99 (ms) | {fmt2(added[0])} / {fmt2(added[1])} |",
        "",
        "One client over stdio, one call at a time, 500 calls after 20 not timed;",
        "the upstream is the tests' own server on the MCP Python SDK",
        "(`tests/standins/mcp_upstream.py`); the call is not guarded, so the",
        "gateway only relays it.",
    ]


def fmt2(value):
    return "n/a" if value is None else f"{value:.2f}"


def fmt(value):
    if value is None:
        return "n/a"
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def lock_waits(f):
    """Samples, over both decide runs, of a backend waiting for a lock
    another transaction holds on a row (`transactionid`, `tuple`) or an
    advisory lock. A relation's `extend` lock is the table growing, which
    every insert (pgbench's too) takes in turn, not another pause's lock."""
    runs = [f(k) for k in ("pg_waits_one", "pg_waits_two") if f(k)]
    if not runs:
        return None
    kinds = ("lockwait:transactionid=", "lockwait:tuple=", "lockwait:advisory=")
    return sum(int(s.rsplit("=", 1)[1]) for run in runs for s in run.split() if s.startswith(kinds))


def ratio(a, b):
    return a / b if a is not None and b else None


def goals(f, floor):
    checks = [
        ("create ≥ 0.40 × floor (SQLite)", ratio(f("sqlite_create"), floor), ">=", 0.40),
        ("decide ≥ 0.30 × floor (SQLite)", ratio(f("sqlite_decide"), floor), ">=", 0.30),
        ("create ≥ 0.5 × pgbench insert (PostgreSQL)", ratio(f("pg_create"), f("pgbench_insert")), ">=", 0.5),
        ("decide ≥ 0.3 × pgbench insert (PostgreSQL)", ratio(f("pg_decide"), f("pgbench_insert")), ">=", 0.3),
        ("create settled by a policy ≥ 0.3 × pgbench insert", ratio(f("pg_create_policy"), f("pgbench_insert")), ">=", 0.3),
        ("two replicas ≥ 0.9 × one replica's decisions/s", ratio(f("pg_decide_two"), f("pg_decide")), ">=", 0.9),
        ("no decision waited on another's row or advisory lock (samples)", lock_waits(f), "<=", 0),
        ("decide p99, 1M ÷ 1k pending ≤ 1.5", ratio(f("decide_p99_ms_1000000"), f("decide_p99_ms_1000")), "<=", 1.5),
        ("list first page p99, 1M ÷ 1k ≤ 1.5", ratio(f("list_first_p99_ms_1000000"), f("list_first_p99_ms_1000")), "<=", 1.5),
        ("list deep page p99, 1M ÷ 1k ≤ 1.5", ratio(f("list_deep_p99_ms_1000000"), f("list_deep_p99_ms_1000")), "<=", 1.5),
        ("idle CPU with 1M pending ≤ 1% of a core", f("idle_cpu_percent_1000000"), "<=", 1.0),
        ("10,000 expiries settled in ≤ 1 s (1M pending)", f("expire_10k_ms_1000000"), "<=", 1000),
        ("RSS with 1M pending < 100 MiB", f("rss_mb_1000000"), "<", 100),
        ("10,000 waiters: RSS < 200 MiB", f("waiters_rss_mb"), "<", 200),
        ("… back under 60 MiB when they leave", f("waiters_rss_after_mb"), "<", 60),
        ("… each woken < 100 ms after its decision (max)", f("wake_max_ms"), "<", 100),
        ("… a decision's CPU ≤ 2 × without waiters", ratio(f("decision_cpu_us_with"), f("decision_cpu_us_without")), "<=", 2.0),
        ("≥ 5,000 webhook deliveries/s", f("deliveries_per_second"), ">=", 5000),
        ("… none twice", f("deliveries_duplicates"), "<=", 0),
        ("… ≥ 2,500/s while decisions pour in", f("deliveries_during_decisions"), ">=", 2500),
        ("start to ready < 100 ms", f("ready_ms"), "<", 100),
        ("idle RSS < 30 MiB", f("idle_rss_mb"), "<", 30),
    ]
    rows = []
    for label, measured, op, target in checks:
        if measured is None:
            rows.append(f"| {label} | n/a | not measured |")
            continue
        met = {">=": measured >= target, "<=": measured <= target, "<": measured < target}[op]
        if met:
            verdict = "yes"
        elif op == ">=":
            verdict = f"no: {measured / target:.0%} of the goal"
        else:
            verdict = f"no: {measured / target:.1f} × the limit" if target else "no"
        rows.append(f"| {label} | {measured:,.2f} | {verdict} |")
    return rows


if __name__ == "__main__":
    main()
