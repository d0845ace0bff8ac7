"""An Airflow 3 DAG that stops between staging and loading until a person
approves through pausegate.

Needs the pausegate binary on the workers' PATH, and two Airflow Variables:
  pausegate_url      the server, e.g. https://pausegate.example.com
  pausegate_api_key  the API key the server accepts

The approval task runs `pausegate pause --wait`, which blocks until the
decision. Its exit code decides what happens next:
  0  approved: the task succeeds and load_sales runs;
  1  rejected, expired or cancelled: mapped to 99 below, which Airflow's
     BashOperator treats as "skipped", so load_sales is skipped, not failed;
  2  usage, auth or connection error (after retries): the task fails;
  3  our own --timeout passed: the task fails.

The task holds a worker slot while it waits. For long waits, give it a pool
of its own, or split the DAG in two and let pausegate start the second half
(an airflow_dag target) instead of waiting in place.
"""

from datetime import datetime, timedelta

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG

APPROVAL = """
pausegate pause \
  --title "Load {{ ds }} sales?" \
  --description "Staged by run {{ run_id }}" \
  --data '{"run_date": "{{ ds }}"}' \
  --email data-owners@example.com \
  --expires-in 6h \
  --idempotency-key "airflow-{{ dag.dag_id }}-{{ run_id }}" \
  --wait --timeout 6h
status=$?
# Not approved: skip the load rather than fail the run.
if [ "$status" -eq 1 ]; then exit 99; fi
exit "$status"
"""

with DAG(
    dag_id="sales_with_approval",
    start_date=datetime(2026, 11, 1),
    schedule="@daily",
    catchup=False,
) as dag:
    stage_sales = BashOperator(task_id="stage_sales", bash_command="echo staging {{ ds }}")

    wait_for_approval = BashOperator(
        task_id="wait_for_approval",
        bash_command=APPROVAL,
        env={
            "PAUSEGATE_URL": "{{ var.value.pausegate_url }}",
            "PAUSEGATE_API_KEY": "{{ var.value.pausegate_api_key }}",
        },
        append_env=True,
        skip_on_exit_code=99,
        execution_timeout=timedelta(hours=7),
    )

    load_sales = BashOperator(task_id="load_sales", bash_command="echo loading {{ ds }}")

    stage_sales >> wait_for_approval >> load_sales
