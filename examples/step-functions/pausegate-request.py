"""Lambda handler for the state machine's WaitForApproval state: POSTs the
payload (which carries the task token) to pausegate as a new pause and
returns at once; Step Functions then waits for pausegate's SendTaskSuccess
or SendTaskFailure. Environment: PAUSEGATE_URL, PAUSEGATE_API_KEY."""

import json
import os
import urllib.request


def handler(event, context):
    request = urllib.request.Request(
        os.environ["PAUSEGATE_URL"].rstrip("/") + "/api/v1/pauses",
        data=json.dumps(event).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer " + os.environ["PAUSEGATE_API_KEY"],
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        pause = json.load(answer)
    return {"pause_id": pause["id"], "review_url": pause["review_url"]}
