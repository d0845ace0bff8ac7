"""End-to-end checks of pausegate-airflow against a real server and a real
Airflow, run by .ci/python.sh inside the cached Airflow virtualenv.

This module owns the checks' Python side; the shell script owns installs,
the server process and AIRFLOW_HOME. Subcommands:

  dag-run   runs examples/airflow/deferrable_dag.py with dag.test() while a
            second process (`decide`) approves or rejects the pause, then
            asserts on task states and XComs read from the metadata DB
            (the approved pause with its attestation).
  decide    the person: finds the pending pause by title, waits until a
            long-poll is open on it (the trigger is waiting), then decides
            through the API.
  restart   runs PausegateTrigger alone while its server is killed and
            started again on the same port and database: the trigger must
            ride out the outage and still report the decision.
  retry     calls the operator's execute() twice for one task, as a retry
            would: the second call must find the first call's pause (by
            idempotency key) and, the pause being decided, end at once.

dag.test() runs a deferred task's trigger in line (Airflow 3.3's
airflow/sdk/definitions/dag.py: `_run_task(..., run_triggerer=True)` logs
"[DAG TEST] running trigger in line"); see
https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/executor/debug.html
("Testing DAGs with dag.test()"). The shell script greps the log for that
line and the trigger's own "Waiting for pausegate pause" as proof that the
task deferred.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx


def fail(message: str) -> None:
    print(f"FAIL: {message}", flush=True)
    sys.exit(1)


def api(url: str, api_key: str) -> httpx.Client:
    return httpx.Client(base_url=url, headers={"Authorization": f"Bearer {api_key}"}, timeout=10.0)


def waiting_requests(client: httpx.Client) -> float:
    """The server's gauge of long-polls open right now."""
    for line in client.get("/metrics").text.splitlines():
        if line.startswith("pausegate_waiting_requests"):
            return float(line.split()[-1])
    return 0.0


def wait_for_long_poll(client: httpx.Client, deadline: float) -> None:
    while waiting_requests(client) < 1:
        if time.monotonic() > deadline:
            fail("nobody long-polled the pause: the trigger never waited")
        time.sleep(0.2)


def decide(args: argparse.Namespace) -> None:
    deadline = time.monotonic() + args.timeout
    with api(args.url, os.environ["PAUSEGATE_API_KEY"]) as client:
        pause = None
        while pause is None:
            if time.monotonic() > deadline:
                fail(f"no pending pause titled {args.title!r} appeared")
            items = client.get("/api/v1/pauses", params={"state": "pending"}).json()["items"]
            pause = next((p for p in items if p["title"] == args.title), None)
            if pause is None:
                time.sleep(0.3)
        print(f"decide: found pending pause {pause['id']}", flush=True)
        wait_for_long_poll(client, deadline)
        print(f"decide: a long-poll is open on it; {args.decision} as {args.actor}", flush=True)
        response = client.post(
            f"/api/v1/pauses/{pause['id']}/{args.decision}",
            json={"actor": args.actor, "comment": f"{args.decision}d by the CI check"},
        )
        if response.status_code != 200:
            fail(f"{args.decision} answered {response.status_code}: {response.text}")
        print(f"decide: pause {pause['id']} is {response.json()['state']}", flush=True)


def load_dag(path: Path):
    spec = importlib.util.spec_from_file_location("pausegate_ci_dag", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


def dag_run(args: argparse.Namespace) -> None:
    logical_date = datetime.fromisoformat(args.logical_date).replace(tzinfo=timezone.utc)
    title = f"Load {logical_date:%Y-%m-%d} sales?"
    person = subprocess.Popen(
        [
            sys.executable,
            __file__,
            "decide",
            "--url",
            args.url,
            "--title",
            title,
            "--decision",
            args.decision,
            "--actor",
            args.actor,
        ]
    )
    try:
        dag = load_dag(Path(args.dag_file))
        dag_run = dag.test(logical_date=logical_date)
        if person.wait(timeout=30) != 0:
            fail("the deciding process failed")
    finally:
        if person.poll() is None:
            person.kill()

    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        states = {ti.task_id: str(ti.state) for ti in dag_run.get_task_instances(session=session)}
        rows = session.scalars(
            select(XComModel).where(
                XComModel.dag_id == dag.dag_id,
                XComModel.run_id == dag_run.run_id,
                XComModel.key == "return_value",
            )
        ).all()
        xcoms = {row.task_id: XComModel.deserialize_value(row) for row in rows}
    print(f"task states: {states}", flush=True)

    if args.decision == "approve":
        expected = {"stage_sales": "success", "approve_load": "success", "load_sales": "success"}
    else:
        expected = {"stage_sales": "success", "approve_load": "skipped", "load_sales": "skipped"}
    if states != expected:
        fail(f"task states {states}, expected {expected}")

    if args.decision == "approve":
        pause = xcoms.get("approve_load") or {}
        if pause.get("state") != "approved":
            fail(f"approve_load's XCom is not an approved pause: {pause}")
        if pause["decisions"][-1]["actor"] != args.actor:
            fail(f"decided by {pause['decisions'][-1]['actor']!r}, not {args.actor!r}")
        if "token" in pause or "review_url" in pause:
            fail("the review token reached the XCom")
        if pause["notify"]["email"] != ["data-owners@example.com"]:
            fail(f"notify_email did not reach the pause: {pause['notify']}")
        attestation = pause.get("attestation") or {}
        if attestation.get("payloadType") != "application/vnd.in-toto+json":
            fail(f"approve_load's XCom holds no attestation: {attestation}")
        loaded = xcoms.get("load_sales")
        want = {
            "loaded": f"{logical_date:%Y-%m-%d}",
            "state": "approved",
            "approved_by": args.actor,
        }
        if loaded != want:
            fail(f"load_sales returned {loaded}, expected {want}")
        print(f"ok: approved by {args.actor}; load_sales ran with {loaded}", flush=True)
    else:
        if "approve_load" in xcoms or "load_sales" in xcoms:
            fail(f"a skipped task left an XCom: {xcoms}")
        print("ok: rejected; approve_load and load_sales skipped", flush=True)


def start_server(
    binary: str, listen: str, database: str, log_path: Path
) -> tuple[subprocess.Popen, str]:
    """Starts `pausegate serve` and returns it with its URL, once listening."""
    # The log is appended to across restarts: read only what this start wrote.
    offset = log_path.stat().st_size if log_path.exists() else 0
    log = open(log_path, "a")
    server = subprocess.Popen(
        [binary, "serve", "--listen", listen, "--database-url", database],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        output = log_path.read_text()[offset:]
        match = re.search(r"listening on (http://\S+)", output)
        if match:
            return server, match.group(1)
        if server.poll() is not None:
            fail(f"pausegate serve exited: {output}")
        time.sleep(0.1)
    server.kill()
    fail("pausegate serve did not start listening within 30 s")


def restart(args: argparse.Namespace) -> None:
    from pausegate_airflow.client import Server, create_pause
    from pausegate_airflow.triggers import PausegateTrigger

    work = Path(args.work_dir)
    database = f"sqlite://{work}/restart.db"
    log_path = work / "restart-server.log"
    api_key = os.environ["PAUSEGATE_API_KEY"]
    server, url = start_server(args.binary, "127.0.0.1:0", database, log_path)
    try:
        pause = create_pause(
            Server(url, api_key),
            {"title": "Survive a restart?", "expires_in": "10m", "idempotency_key": "ci-restart"},
        )
        trigger = PausegateTrigger(pause_id=pause["id"], url=url, api_key=api_key, max_backoff=2)
        if api_key in repr(trigger):
            fail("the trigger's repr shows the API key")

        async def scenario():
            nonlocal server
            waiting = asyncio.create_task(anext(trigger.run()))
            with api(url, api_key) as client:
                await asyncio.to_thread(wait_for_long_poll, client, time.monotonic() + 20)
            print("restart: the trigger is long-polling; kill -9 the server", flush=True)
            server.send_signal(signal.SIGKILL)
            server.wait()
            await asyncio.sleep(3)  # the trigger now meets refused connections
            if waiting.done():
                fail(f"the trigger gave up while the server was down: {waiting.result()}")
            server, _ = start_server(args.binary, url.removeprefix("http://"), database, log_path)
            print("restart: server is back; approving", flush=True)
            with api(url, api_key) as client:
                answer = client.post(
                    f"/api/v1/pauses/{pause['id']}/approve", json={"actor": "restart-check"}
                )
                if answer.status_code != 200:
                    fail(f"approve answered {answer.status_code}: {answer.text}")
            return await asyncio.wait_for(waiting, timeout=30)

        event = asyncio.run(scenario())
        payload = event.payload
        if payload.get("status") != "decided" or payload["pause"]["state"] != "approved":
            fail(f"the trigger fired {payload}")
        print(
            f"ok: the trigger survived a server restart and fired {payload['pause']['state']}",
            flush=True,
        )
    finally:
        server.kill()
        server.wait()


def retry(args: argparse.Namespace) -> None:
    from types import SimpleNamespace

    from airflow.sdk.exceptions import AirflowFailException, TaskDeferred
    from pausegate_airflow import PausegateApprovalOperator, PausegateTrigger

    api_key = os.environ["PAUSEGATE_API_KEY"]
    context = {"ti": SimpleNamespace(dag_id="ci", run_id="retry-run", task_id="gate", map_index=-1)}

    def operator(**kwargs) -> PausegateApprovalOperator:
        return PausegateApprovalOperator(
            task_id="gate",
            title="Retry me?",
            expires_in="2h",
            url=args.url,
            api_key=api_key,
            **kwargs,
        )

    deferred = None
    try:
        operator().execute(context)
    except TaskDeferred as raised:
        deferred = raised
    if deferred is None:
        fail("execute() returned instead of deferring")
    trigger = deferred.trigger
    if not isinstance(trigger, PausegateTrigger) or deferred.method_name != "execute_complete":
        fail(f"deferred to {deferred.trigger!r} / {deferred.method_name}")
    hours = deferred.timeout.total_seconds() / 3600
    if not 2.0 < hours < 2.5:
        fail(f"deferral timeout {deferred.timeout}, expected the 2 h expiry plus a grace period")
    pause_id = trigger.pause_id
    print(f"retry: first try deferred on {pause_id}", flush=True)

    with api(args.url, api_key) as client:
        client.post(f"/api/v1/pauses/{pause_id}/approve", json={"actor": "ci"}).raise_for_status()
    pause = operator().execute(context)  # the retry: same task of the same run
    if pause["id"] != pause_id or pause["state"] != "approved":
        fail(f"the retry made or found {pause['id']} ({pause['state']}), not approved {pause_id}")
    if "token" in pause or "review_url" in pause:
        fail("execute() returned the review token")
    if not pause.get("attestation", {}).get("signatures"):
        fail(f"the approved pause came back without its attestation: {pause}")
    print(f"retry: second try found {pause_id} approved without deferring", flush=True)

    context["ti"].run_id = "retry-run-2"
    try:
        operator(on_not_approved="fail").execute(context)
        fail("execute() returned instead of deferring")
    except TaskDeferred as raised:
        pause_id = raised.trigger.pause_id
    with api(args.url, api_key) as client:
        client.post(f"/api/v1/pauses/{pause_id}/reject", json={"actor": "ci"}).raise_for_status()
    try:
        operator(on_not_approved="fail").execute(context)
        fail('on_not_approved="fail" did not fail a rejected pause')
    except AirflowFailException as error:
        print(f"retry: rejected with on_not_approved=fail raises: {error}", flush=True)
    print("ok: retries return to their pause; a decided pause ends the task at once", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("dag-run")
    run.add_argument("--dag-file", required=True)
    run.add_argument("--url", required=True)
    run.add_argument("--decision", choices=["approve", "reject"], required=True)
    run.add_argument("--actor", required=True)
    run.add_argument("--logical-date", required=True)
    run.set_defaults(func=dag_run)

    person = commands.add_parser("decide")
    person.add_argument("--url", required=True)
    person.add_argument("--title", required=True)
    person.add_argument("--decision", choices=["approve", "reject"], required=True)
    person.add_argument("--actor", required=True)
    person.add_argument("--timeout", type=float, default=120)
    person.set_defaults(func=decide)

    again = commands.add_parser("restart")
    again.add_argument("--binary", required=True)
    again.add_argument("--work-dir", required=True)
    again.set_defaults(func=restart)

    again_task = commands.add_parser("retry")
    again_task.add_argument("--url", required=True)
    again_task.set_defaults(func=retry)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
