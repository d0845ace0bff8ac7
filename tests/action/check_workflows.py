"""Checks GitHub workflow files, and the action's own action.yml, for tests.

Usage: check_workflows.py DOCUMENTED_JSON ACTION_YML WORKFLOW_FILE...

Prints one JSON list of problems (empty when all is well). A workflow must
parse as YAML with `on` and `jobs`; each job needs `runs-on` and `steps`,
and its `needs` must name jobs of the file; each step has `uses` or `run`
(not both); every `uses` must be an action@version in DOCUMENTED_JSON,
which lists the inputs and outputs each action's own action.yml declares,
and the step's `with` keys must be among those inputs; a
`steps.ID.outputs.NAME` must name an earlier step of the job and one of its
action's outputs. In ACTION_YML every `inputs.NAME` an expression uses must
be a declared input. Syntax followed: docs.github.com, "Workflow syntax for
GitHub Actions" and "Metadata syntax for GitHub Actions".
"""

import json
import re
import sys

import yaml

OUTPUT_REFERENCE = re.compile(r"steps\.([A-Za-z0-9_-]+)\.outputs\.([A-Za-z0-9_-]+)")
INPUT_REFERENCE = re.compile(r"\binputs\.([A-Za-z0-9_-]+)")


def check_step(where, step, documented, earlier, problems):
    if ("uses" in step) == ("run" in step):
        problems.append(f"{where}: a step has exactly one of uses and run")
        return
    text = json.dumps(step)
    for step_id, output in OUTPUT_REFERENCE.findall(text):
        action = earlier.get(step_id)
        if action is None:
            problems.append(f"{where}: steps.{step_id} is not an earlier step with an id")
        elif output not in documented.get(action, {}).get("outputs", []):
            problems.append(f"{where}: {action} has no output {output}")
    if "uses" not in step:
        return
    action = step["uses"]
    if action not in documented:
        problems.append(f"{where}: {action} is not a documented action@version")
        return
    for key in step.get("with") or {}:
        if key not in documented[action]["inputs"]:
            problems.append(f"{where}: {action} has no input {key}")
    if "id" in step:
        earlier[step["id"]] = action


def check_workflow(path, documented, problems):
    try:
        with open(path) as file:
            workflow = yaml.safe_load(file)
    except yaml.YAMLError as error:
        problems.append(f"{path}: not YAML: {error}")
        return
    # YAML 1.1 reads the key `on` as true.
    if not isinstance(workflow, dict) or not ("on" in workflow or True in workflow):
        problems.append(f"{path}: no `on`")
        return
    jobs = workflow.get("jobs") or {}
    if not jobs:
        problems.append(f"{path}: no jobs")
    for name, job in jobs.items():
        where = f"{path} job {name}"
        for key in ("runs-on", "steps"):
            if key not in job:
                problems.append(f"{where}: no {key}")
        needs = job.get("needs") or []
        for needed in [needs] if isinstance(needs, str) else needs:
            if needed not in jobs:
                problems.append(f"{where}: needs {needed}, which is not a job here")
        earlier = {}
        for index, step in enumerate(job.get("steps") or []):
            check_step(f"{where} step {index + 1}", step, documented, earlier, problems)


def check_action(path, problems):
    with open(path) as file:
        action = yaml.safe_load(file)
    declared = set((action.get("inputs") or {}).keys())
    used = set(INPUT_REFERENCE.findall(json.dumps(action.get("runs")) + json.dumps(action.get("outputs"))))
    for name in sorted(used - declared):
        problems.append(f"{path}: inputs.{name} is used but not declared")


def main():
    with open(sys.argv[1]) as file:
        documented = json.load(file)
    problems = []
    check_action(sys.argv[2], problems)
    for path in sys.argv[3:]:
        check_workflow(path, documented, problems)
    print(json.dumps(problems))


if __name__ == "__main__":
    main()
