"""PausegateTrigger: waits in Airflow's triggerer until a pause is decided.

This module owns the waiting. The operator creates the pause and defers;
the triggerer then runs `PausegateTrigger.run()`, which long-polls
`GET /api/v1/pauses/{id}/wait` until the pause is no longer pending and
yields one `TriggerEvent`. Airflow then resumes the task in
`execute_complete` with that event's payload:

    {"status": "decided", "pause": {...}}   the pause, approved or not
    {"status": "error", "message": "..."}   the server refused the wait

Connection errors, timeouts and retryable answers (5xx, 429) are not
events: the server may be restarting, so the trigger waits with backoff and
asks again, for as long as the operator's deferral timeout allows.

Airflow docs this follows:
  https://airflow.apache.org/docs/apache-airflow/3.3.0/authoring-and-scheduling/deferring.html
    (triggers are async, serialize() returns the class path and the kwargs
    to rebuild them in the triggerer, run() yields TriggerEvents; a
    single-event trigger yields once and returns)
  https://airflow.apache.org/docs/apache-airflow/stable/_modules/airflow/triggers/base.html
    (BaseTrigger.serialize / run, TriggerEvent(payload))
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
from airflow.triggers.base import BaseTrigger, TriggerEvent

from pausegate_airflow.client import (
    MAX_POLL_SECONDS,
    Server,
    backoff_delay,
    describe_error,
    is_retryable,
    wait_url,
)


class PausegateTrigger(BaseTrigger):
    """Fires once, when pause `pause_id` on the server at `url` is decided.

    The API key travels in the trigger's kwargs, which Airflow stores
    encrypted (Fernet) in its metadata database; `__repr__` leaves it out
    because the triggerer logs triggers by their repr.
    """

    def __init__(
        self,
        pause_id: str,
        url: str,
        api_key: str,
        poll_timeout: int = MAX_POLL_SECONDS,
        max_backoff: float = 60.0,
    ):
        super().__init__()
        self.pause_id = pause_id
        self.url = url
        self.api_key = api_key
        self.poll_timeout = max(1, min(int(poll_timeout), MAX_POLL_SECONDS))
        self.max_backoff = float(max_backoff)

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            "pausegate_airflow.triggers.PausegateTrigger",
            {
                "pause_id": self.pause_id,
                "url": self.url,
                "api_key": self.api_key,
                "poll_timeout": self.poll_timeout,
                "max_backoff": self.max_backoff,
            },
        )

    def __repr__(self) -> str:
        return f"<PausegateTrigger pause_id={self.pause_id!r} url={self.url!r}>"

    async def run(self) -> AsyncIterator[TriggerEvent]:
        server = Server(url=self.url, api_key=self.api_key)
        url = wait_url(server, self.pause_id)
        params = {"timeout": f"{self.poll_timeout}s"}
        # The server answers a long-poll within poll_timeout; the read
        # timeout leaves room for that, so a timeout means a lost connection.
        timeout = httpx.Timeout(self.poll_timeout + 30.0, connect=10.0)
        failures = 0
        loop = asyncio.get_running_loop()
        self.log.info("Waiting for pausegate pause %s at %s", self.pause_id, self.url)
        async with httpx.AsyncClient(timeout=timeout) as client:
            while True:
                retry_after = None
                started = loop.time()
                try:
                    response = await client.get(url, params=params, headers=server.headers())
                    pause = response.json() if response.status_code == 200 else None
                except httpx.TransportError as error:
                    problem = f"{type(error).__name__}: {error}"
                except ValueError:
                    problem = "HTTP 200 with a body that is not JSON"
                else:
                    if pause is not None:
                        failures = 0
                        if pause.get("state") != "pending":
                            self.log.info(
                                "Pausegate pause %s is %s", self.pause_id, pause.get("state")
                            )
                            yield TriggerEvent({"status": "decided", "pause": pause})
                            return
                        # Still pending after a long-poll: ask again, but never
                        # in a tight loop should something answer early.
                        await asyncio.sleep(max(0.0, 1.0 - (loop.time() - started)))
                        continue
                    if not is_retryable(response.status_code):
                        # 401, 404 …: waiting longer cannot help; the task decides.
                        yield TriggerEvent(
                            {
                                "status": "error",
                                "message": f"waiting for pause {self.pause_id} failed: "
                                f"{describe_error(response)}",
                            }
                        )
                        return
                    problem = describe_error(response)
                    retry_after = response.headers.get("Retry-After")
                failures += 1
                delay = backoff_delay(failures, retry_after, cap=self.max_backoff)
                self.log.warning(
                    "Pausegate at %s: %s; asking again in %.1f s", self.url, problem, delay
                )
                await asyncio.sleep(delay)
