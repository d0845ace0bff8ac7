"""PausegateApprovalOperator: stop a DAG run until a person approves.

This module owns the task's side of an approval: build the pause from the
operator's arguments, create it (once per task of a DAG run, thanks to an
idempotency key), defer to `PausegateTrigger` so that the wait costs no
worker slot, and turn the decision into the task's outcome:

    approved                        success; the pause (as JSON) is the XCom,
                                    with its `attestation` (the decision as a
                                    signed in-toto statement, a DSSE envelope)
    rejected, expired, cancelled    skipped (default) or failed
                                    (`on_not_approved="fail"`)

Airflow docs this follows:
  https://airflow.apache.org/docs/apache-airflow/3.3.0/authoring-and-scheduling/deferring.html
    (`self.defer(trigger=..., method_name=..., timeout=...)` raises
    TaskDeferred; the task resumes in `method_name(context, event)` with the
    trigger's event payload; `timeout` bounds the whole deferral)
  https://airflow.apache.org/docs/apache-airflow/3.1.0/_api/airflow/exceptions/index.html
    (AirflowSkipException skips the task; AirflowFailException fails it
    without retries)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from airflow.sdk import BaseOperator

try:
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowSkipException
except ImportError:  # earlier Airflow 3 releases kept them in airflow.exceptions
    from airflow.exceptions import AirflowException, AirflowFailException, AirflowSkipException

from pausegate_airflow.client import (
    MAX_POLL_SECONDS,
    PausegateError,
    create_pause,
    fetch_attestation,
    idempotency_key,
    resolve_server,
)
from pausegate_airflow.triggers import PausegateTrigger

# How long past the pause's expiry the task keeps waiting for the server to
# say so (it may be down at that moment) before the deferral times out.
EXPIRY_GRACE = timedelta(minutes=15)


class PausegateApprovalOperator(BaseOperator):
    """Creates a pausegate pause and waits, deferred, for its decision.

    :param title: what the approver is asked (1-200 characters).
    :param description: more text for the review page and notifications.
    :param data: any JSON for the review page and for the target pipeline.
    :param target: a configured pausegate target to start on approval.
    :param notify_email: address or list of addresses to send personal
        review links to (the API's `notify.email`).
    :param notify_channels: configured channel name(s) (Slack, Teams) to
        post to (the API's `notify.channels`).
    :param expires_in: how long the pause stays open ("90s", "15m", "24h", "7d").
    :param subjects: the artefacts the approval is about, each
        "NAME@sha256:HEX" (an image reference's digest form) or
        {"name": ..., "digest": {"sha256": ...}}: the subject of the
        attestation the approved task returns (else the data's digest is).
    :param idempotency_key: default: one per DAG, run, task and map index, so
        a retried task returns to its pause instead of creating a second one
        (and, once that pause is decided, ends the same way at once).
    :param pausegate_conn_id: Airflow Connection with the server URL in host
        and the API key in password; used for whatever url/api_key leave out.
    :param url: server URL, instead of the Connection's host.
    :param api_key: API key, instead of the Connection's password.
    :param poll_timeout: seconds each long-poll is held by the server (≤ 60).
    :param on_not_approved: "skip" (default) or "fail" for a pause that was
        rejected, expired or cancelled.

    Nobody gets a link unless `notify_email` or `notify_channels` names
    them: the creator's link is never logged. Approvers without one can
    decide with `pausegate approve ID` or the API.

    Not `email=`: BaseOperator already has `email` (failure alerts), and a
    DAG's `default_args={"email": ...}` would silently fill it in.
    """

    template_fields: Sequence[str] = (
        "title",
        "description",
        "data",
        "target",
        "notify_email",
        "notify_channels",
        "expires_in",
        "subjects",
        "idempotency_key",
        "url",
    )
    template_fields_renderers = {"data": "json"}
    ui_color = "#fde68a"

    def __init__(
        self,
        *,
        title: str,
        description: str | None = None,
        data: Any = None,
        target: str | None = None,
        notify_email: str | Sequence[str] | None = None,
        notify_channels: str | Sequence[str] | None = None,
        expires_in: str | int = "24h",
        subjects: Sequence[str | dict[str, Any]] | None = None,
        idempotency_key: str | None = None,
        pausegate_conn_id: str | None = "pausegate_default",
        url: str | None = None,
        api_key: str | None = None,
        poll_timeout: int = MAX_POLL_SECONDS,
        on_not_approved: str = "skip",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if on_not_approved not in ("skip", "fail"):
            raise ValueError(f'on_not_approved must be "skip" or "fail", not {on_not_approved!r}')
        self.title = title
        self.description = description
        self.data = data
        self.target = target
        self.notify_email = notify_email
        self.notify_channels = notify_channels
        self.expires_in = expires_in
        self.subjects = subjects
        self.idempotency_key = idempotency_key
        self.pausegate_conn_id = pausegate_conn_id
        self.url = url
        self.api_key = api_key
        self.poll_timeout = poll_timeout
        self.on_not_approved = on_not_approved

    def execute(self, context: Any) -> Any:
        try:
            server = resolve_server(self.pausegate_conn_id, self.url, self.api_key)
            pause = create_pause(server, self._pause_request(context), log=self.log)
        except PausegateError as error:
            raise AirflowException(str(error)) from error
        # A retried task gets its first try's pause back (same idempotency key).
        self.log.info(
            "Pausegate pause %s is %s: %r, expires %s",
            pause["id"],
            pause["state"],
            pause.get("title"),
            pause.get("expires_at"),
        )
        if pause["state"] != "pending":
            # Already decided (a retry after the decision): no need to wait.
            return self.execute_complete(context, {"status": "decided", "pause": pause})
        self.defer(
            trigger=PausegateTrigger(
                pause_id=pause["id"],
                url=server.url,
                api_key=server.api_key,
                poll_timeout=self.poll_timeout,
            ),
            method_name="execute_complete",
            timeout=_deferral_timeout(pause.get("expires_at")),
        )

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict[str, Any]:
        """Resumes the task with the trigger's event: the decided pause."""
        if event.get("status") != "decided":
            raise AirflowException(f"pausegate: {event.get('message', event)}")
        pause = event["pause"]
        outcome = f"Pausegate pause {pause['id']} was {pause['state']}{_decided_by(pause)}"
        if pause["state"] == "approved":
            self.log.info("%s", outcome)
            return self._with_attestation(pause)
        if self.on_not_approved == "fail":
            raise AirflowFailException(outcome)
        raise AirflowSkipException(outcome)

    def _with_attestation(self, pause: dict[str, Any]) -> dict[str, Any]:
        """The pause with its `attestation` added, as the receipt is: a
        later task hands it to whatever checks the deploy. A server that
        gives none (an older one) costs a warning, not the approval."""
        try:
            server = resolve_server(self.pausegate_conn_id, self.url, self.api_key)
            pause["attestation"] = fetch_attestation(server, pause["id"], log=self.log)
        except PausegateError as error:
            self.log.warning("Pausegate pause %s: no attestation: %s", pause["id"], error)
        return pause

    def _pause_request(self, context: Any) -> dict[str, Any]:
        """The JSON body of `POST /api/v1/pauses`, without unset fields."""
        ti = context["ti"]
        key = self.idempotency_key or idempotency_key(
            ti.dag_id, ti.run_id, ti.task_id, getattr(ti, "map_index", None)
        )
        notify = {"email": _as_list(self.notify_email), "channels": _as_list(self.notify_channels)}
        body = {
            "title": self.title,
            "description": self.description,
            "data": self.data,
            "target": self.target,
            "expires_in": self.expires_in,
            "notify": notify if any(notify.values()) else None,
            "subjects": [_subject(s) for s in self.subjects] if self.subjects else None,
            "idempotency_key": key,
        }
        return {name: value for name, value in body.items() if value is not None}


def _as_list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def _subject(subject: str | dict[str, Any]) -> dict[str, Any]:
    """{"name", "digest": {"sha256"}} from "NAME@sha256:HEX" (split at the
    last "@sha256:"); a dict is sent as given. The server checks both."""
    if isinstance(subject, dict):
        return subject
    name, found, sha256 = subject.rpartition("@sha256:")
    if not found:
        raise ValueError(f"subject {subject!r} is not NAME@sha256:HEX")
    return {"name": name, "digest": {"sha256": sha256}}


def _deferral_timeout(expires_at: str | None) -> timedelta | None:
    """Until the pause's expiry plus a grace period: by then the server has
    settled it, so waiting longer only means the server is unreachable."""
    if not expires_at:
        return None
    try:
        expiry = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(expiry - datetime.now(timezone.utc), timedelta(0)) + EXPIRY_GRACE


def _decided_by(pause: dict[str, Any]) -> str:
    """' by Ana (link): "ok"' from the pause's last decision, if any."""
    decisions = pause.get("decisions") or []
    if not decisions:
        return ""
    last = decisions[-1]
    text = f" by {last.get('actor') or 'unknown'} ({last.get('via', '?')})"
    if last.get("comment"):
        text += f": {last['comment']!r}"
    return text
