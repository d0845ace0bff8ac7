"""An Airflow 3 DAG that stops between staging and loading until a person
approves through pausegate, without holding a worker slot while it waits.

stage_sales -> approve_load -> load_sales

approve_load creates a pause (emailing data-owners@example.com a personal
review link) and defers: the wait runs in Airflow's triggerer, which
long-polls pausegate. Once someone decides:
  approved                        approve_load succeeds and returns the pause
                                  (who decided, the data) as its XCom, which
                                  load_sales receives;
  rejected, expired or cancelled  approve_load is skipped, and so is
                                  load_sales (on_not_approved="fail" would
                                  fail the run instead).

Install, wherever Airflow runs (scheduler, workers, triggerer). The operator
is pure Python and only talks HTTP; the server's binary is not needed there:
    pip install ./pausegate_airflow-*-py3-none-any.whl   # from your release's files, or
    pip install ./python/pausegate-airflow               # from a clone of pausegate
The server itself can come from pip too: the `pausegate` wheel for your
platform, from the same release (checked against its SHA256SUMS), puts the
`pausegate` binary on PATH (`pausegate serve`). Install files, never a bare
name from a public index: anyone may own that name there.

Configure the server as an Airflow Connection named pausegate_default, with
the server's URL as host and its API key as password:
    airflow connections add pausegate_default --conn-type http \
        --conn-host https://pausegate.example.com --conn-password "$KEY"
or in the environment of every Airflow component:
    AIRFLOW_CONN_PAUSEGATE_DEFAULT='{"conn_type": "http",
        "host": "https://pausegate.example.com", "password": "..."}'
(`pausegate_conn_id=` picks another Connection; `url=` overrides its host,
e.g. url="{{ var.value.pausegate_url }}" to keep the URL in a Variable.)

A triggerer must be running (`airflow triggerer`), as for any deferrable
operator. A retried approve_load returns to the same pause: its
idempotency key is derived from the DAG, run and task ids.

.ci/python.sh runs this DAG with dag.test() against a real server, once
approved and once rejected.
"""

from datetime import datetime

from airflow.sdk import DAG, task
from pausegate_airflow import PausegateApprovalOperator

with DAG(
    dag_id="sales_with_deferred_approval",
    start_date=datetime(2026, 1, 1),
    schedule="@daily",
    catchup=False,
) as dag:

    @task
    def stage_sales(ds=None):
        # Stands in for real staging: whatever the approver should see.
        return {"run_date": ds, "rows": 12345, "rejected_rows": 3}

    staged = stage_sales()

    approve_load = PausegateApprovalOperator(
        task_id="approve_load",
        title="Load {{ ds }} sales?",
        description=(
            "{{ ti.xcom_pull(task_ids='stage_sales')['rows'] }} rows staged, "
            "{{ ti.xcom_pull(task_ids='stage_sales')['rejected_rows'] }} rejected "
            "(run {{ run_id }})"
        ),
        data={"run_date": "{{ ds }}", "dag_run": "{{ run_id }}"},
        notify_email=["data-owners@example.com"],
        expires_in="6h",
    )

    @task
    def load_sales(pause: dict):
        decision = pause["decisions"][-1]
        run_date = pause["data"]["run_date"]
        print(f"loading {run_date}: {pause['state']} by {decision['actor']} ({decision['via']})")
        return {"loaded": run_date, "state": pause["state"], "approved_by": decision["actor"]}

    staged >> approve_load
    load_sales(approve_load.output)
