"""The pausegate HTTP API as the operator and the trigger use it.

This module owns: where the server is and which key to send (`Server`,
`resolve_server`), the blocking calls the operator makes (`create_pause`, and
`fetch_attestation` once a pause is approved),
the long-poll request the trigger repeats (`wait_url`), and the retry policy
both share (`is_retryable`, `backoff_delay`). It knows nothing about Airflow
tasks or triggers beyond reading a Connection.

The API is the one in the project's README ("API in short"): management
endpoints take `Authorization: Bearer <api key>`; `POST /api/v1/pauses`
answers 201 (or 200 for a repeated idempotency key) with the pause plus
`token` and `review_url`; `GET /api/v1/pauses/{id}/wait?timeout=60s` answers
as soon as the pause is no longer pending, or with the pending pause when the
timeout (at most 60 s) passes; `GET /api/v1/pauses/{id}/attestation` answers a
settled pause's decision as a DSSE envelope (an in-toto statement). Errors are
`{"error": {"code", "message"}}`.

httpx is used because Airflow 3 already depends on it (apache-airflow-core
and the task SDK), so this package adds nothing to an Airflow install.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

# The review token is a bearer secret: whoever holds it can decide. The
# create answer carries it (and the link built from it); both are dropped
# the moment the answer is read, so they never reach a log or an XCom.
SECRET_FIELDS = ("token", "review_url")

# The server keeps idempotency keys up to 200 characters.
MAX_IDEMPOTENCY_KEY = 200

# The server holds a long-poll at most this long.
MAX_POLL_SECONDS = 60


class PausegateError(Exception):
    """The server refused a request, or could not be reached in time."""


@dataclass(frozen=True)
class Server:
    """Where pausegate is and the API key to send it."""

    url: str
    api_key: str = field(repr=False)

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}


def resolve_server(conn_id: str | None, url: str | None, api_key: str | None) -> Server:
    """The server from explicit arguments, filling gaps from a Connection.

    The Connection's host is the server's URL (`https://pausegate.example.com`,
    or a bare host name with the scheme in `schema` or the connection type)
    and its password the API key.
    """
    if not (url and api_key):
        if not conn_id:
            raise PausegateError("give url and api_key, or pausegate_conn_id")
        # Imported here so the HTTP helpers stay usable without Airflow.
        from airflow.sdk import BaseHook

        connection = BaseHook.get_connection(conn_id)
        url = url or url_from_connection(connection)
        api_key = api_key or connection.password
    if not url or not api_key:
        raise PausegateError(
            f"connection {conn_id!r} needs the server URL in host and the API key in password"
        )
    return Server(url=url.rstrip("/"), api_key=api_key)


def url_from_connection(connection: Any) -> str:
    """The base URL an Airflow Connection describes, or "" if it has no host."""
    host = (connection.host or "").strip().rstrip("/")
    if not host:
        return ""
    if "://" in host:
        return host
    schemes = (connection.schema, connection.conn_type)
    scheme = next((s for s in schemes if s in ("http", "https")), "https")
    port = f":{connection.port}" if connection.port else ""
    return f"{scheme}://{host}{port}"


def idempotency_key(dag_id: str, run_id: str, task_id: str, map_index: int | None = None) -> str:
    """One key per task of one DAG run, so a retried task finds its pause
    instead of creating a second one. Too long a key is hashed."""
    key = f"airflow:{dag_id}:{run_id}:{task_id}"
    if map_index is not None and map_index >= 0:
        key += f":{map_index}"
    if len(key) > MAX_IDEMPOTENCY_KEY:
        key = "airflow:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def is_retryable(status: int) -> bool:
    """Answers that say "try again later": the request changed nothing (503
    while the database is away, 429 rate limit, a proxy's 502/504 while the
    server restarts). Every other 4xx is final."""
    return status in (408, 429) or status >= 500


def backoff_delay(failures: int, retry_after: str | None = None, cap: float = 60.0) -> float:
    """Seconds to wait after `failures` failures in a row: 1, 2, 4 … up to
    `cap`, with jitter so that many waiters do not return at once, and never
    sooner than the server's Retry-After."""
    delay = min(cap, 2.0 ** max(failures - 1, 0)) * random.uniform(0.5, 1.0)
    if retry_after and retry_after.strip().isdigit():
        delay = max(delay, float(retry_after))
    return delay


def describe_error(response: httpx.Response) -> str:
    """HTTP status and the server's message, for logs and exceptions."""
    try:
        error = response.json()["error"]
        detail = f"{error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        detail = response.text[:200]
    return f"HTTP {response.status_code} ({detail})"


def create_pause(
    server: Server,
    body: dict[str, Any],
    *,
    attempts: int = 6,
    log: logging.Logger | None = None,
) -> dict[str, Any]:
    """Creates a pause and returns it without its token.

    Connection errors and retryable answers are tried again with backoff
    (up to about half a minute of waiting): the body carries an idempotency key, so a
    create whose answer was lost returns the same pause the second time.
    """
    log = log or logging.getLogger(__name__)
    problem = ""
    with httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0)) as client:
        for attempt in range(1, attempts + 1):
            retry_after = None
            try:
                response = client.post(
                    f"{server.url}/api/v1/pauses", json=body, headers=server.headers()
                )
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code in (200, 201):
                    pause = response.json()
                    for secret in SECRET_FIELDS:
                        pause.pop(secret, None)
                    return pause
                if not is_retryable(response.status_code):
                    raise PausegateError(f"creating the pause failed: {describe_error(response)}")
                problem = describe_error(response)
                retry_after = response.headers.get("Retry-After")
            if attempt == attempts:
                break
            delay = backoff_delay(attempt, retry_after)
            log.warning(
                "pausegate at %s: %s; trying again in %.1f s (attempt %d of %d)",
                server.url,
                problem,
                delay,
                attempt,
                attempts,
            )
            time.sleep(delay)
    raise PausegateError(f"creating the pause failed after {attempts} attempts: {problem}")


def fetch_attestation(
    server: Server,
    pause_id: str,
    *,
    attempts: int = 3,
    log: logging.Logger | None = None,
) -> dict[str, Any]:
    """The attestation of a settled pause: the DSSE envelope of its
    decision, to verify with the keys at /.well-known/pausegate-attestation.pub.

    Connection errors and retryable answers are tried again with backoff.
    """
    log = log or logging.getLogger(__name__)
    problem = ""
    url = f"{server.url}/api/v1/pauses/{pause_id}/attestation"
    with httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0)) as client:
        for attempt in range(1, attempts + 1):
            try:
                response = client.get(url, headers=server.headers())
            except httpx.TransportError as error:
                problem = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 200:
                    return response.json()
                problem = describe_error(response)
                if not is_retryable(response.status_code):
                    break
            if attempt < attempts:
                delay = backoff_delay(attempt)
                log.warning("pausegate at %s: %s; trying again in %.1f s", server.url, problem, delay)
                time.sleep(delay)
    raise PausegateError(f"fetching the attestation of {pause_id} failed: {problem}")


def wait_url(server: Server, pause_id: str) -> str:
    return f"{server.url}/api/v1/pauses/{pause_id}/wait"
