"""Airflow 3 integration for pausegate: a deferrable approval operator.

`PausegateApprovalOperator` (operators.py) creates a pause and defers;
`PausegateTrigger` (triggers.py) waits for the decision in the triggerer;
client.py holds the HTTP calls and the retry policy they share.
"""

from pausegate_airflow.operators import PausegateApprovalOperator
from pausegate_airflow.triggers import PausegateTrigger

__all__ = ["PausegateApprovalOperator", "PausegateTrigger"]
__version__ = "0.1.0"
