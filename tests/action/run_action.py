"""Runs a composite GitHub Action's steps as a runner would, for tests.

Usage: run_action.py ACTION_DIR INPUTS_JSON [GITHUB_CONTEXT_JSON]

Reads ACTION_DIR/action.yml; fills each input from INPUTS_JSON or its
default (a missing required input is an error); for each step, evaluates
`if:` and the `${{ inputs.* }}` / `${{ steps.*.outputs.* }}` /
`${{ github.* }}` expressions (the github context from GITHUB_CONTEXT_JSON,
such as action_repository, action_ref and server_url; a property it lacks
is empty, as on a runner) in
`env:` and `run:`, and runs it with `bash --noprofile --norc -eo pipefail`
(the runner's bash invocation) with GITHUB_ACTION_PATH, GITHUB_OUTPUT,
GITHUB_PATH and RUNNER_TEMP set, stopping at the first failing step. Then
prints one JSON line: the failing step's exit status (0 if none) and the
action's outputs. Step output goes to standard error.

Runner behaviour followed: docs.github.com "Metadata syntax for GitHub
Actions" (runs.using: composite, steps[*].if/env/shell/run, outputs[*].value)
and "Workflow commands for GitHub Actions" (GITHUB_OUTPUT name=value and
name<<DELIMITER blocks; GITHUB_PATH lines prepended to PATH for later steps).
Only the expressions the action uses are understood: a context reference,
and `==` / `!=` between a reference and a quoted string.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


class Context:
    def __init__(self, inputs, github):
        self.inputs = inputs
        self.github = github
        self.steps = {}

    def lookup(self, reference):
        parts = reference.split(".")
        if parts[0] == "inputs" and len(parts) == 2:
            return self.inputs[parts[1]]
        if parts[0] == "github" and len(parts) == 2:
            return str(self.github.get(parts[1], ""))
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        raise SystemExit(f"expression not understood: {reference}")

    def evaluate(self, expression):
        match = re.fullmatch(r"(\S+)\s*(==|!=)\s*'([^']*)'", expression.strip())
        if match:
            equal = self.lookup(match.group(1)) == match.group(3)
            return equal if match.group(2) == "==" else not equal
        return self.lookup(expression.strip())

    def substitute(self, text):
        return EXPRESSION.sub(lambda m: str(self.evaluate(m.group(1))), str(text))


def read_outputs(path):
    outputs, lines = {}, open(path).read().splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            outputs[name] = "\n".join(lines[index + 1 : end])
            index = end + 1
            continue
        if "=" in line:
            name, value = line.split("=", 1)
            outputs[name] = value
        index += 1
    return outputs


def fill_inputs(declared, given):
    # A runner only warns about an undeclared input; here it is an error, so
    # a test cannot pass an input the action does not have.
    unknown = sorted(set(given) - set(declared or {}))
    if unknown:
        raise SystemExit(f"inputs the action does not declare: {', '.join(unknown)}")
    inputs = {}
    for name, spec in (declared or {}).items():
        if name in given:
            inputs[name] = str(given[name])
        elif spec.get("required") and "default" not in spec:
            raise SystemExit(f"input {name} is required")
        else:
            inputs[name] = str(spec.get("default", ""))
    return inputs


def run_step(step, context, action_dir, temp, path_file):
    output_file = tempfile.NamedTemporaryFile(dir=temp, delete=False).name
    env = dict(os.environ)
    added = [line.strip() for line in open(path_file) if line.strip()]
    env["PATH"] = os.pathsep.join(list(reversed(added)) + [env.get("PATH", "")])
    env.update(
        GITHUB_ACTION_PATH=action_dir,
        GITHUB_OUTPUT=output_file,
        GITHUB_PATH=path_file,
        RUNNER_TEMP=temp,
    )
    for name, value in (step.get("env") or {}).items():
        env[name] = context.substitute(value)
    if step.get("shell") != "bash":
        raise SystemExit(f"step {step.get('name')}: only shell: bash is run here")
    command = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", context.substitute(step["run"])]
    status = subprocess.run(command, env=env, stdout=sys.stderr).returncode
    if "id" in step:
        context.steps[step["id"]] = read_outputs(output_file)
    return status


def main():
    action_dir, given = sys.argv[1], json.loads(sys.argv[2])
    github = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    with open(os.path.join(action_dir, "action.yml")) as file:
        action = yaml.safe_load(file)
    assert action["runs"]["using"] == "composite", "a composite action"
    context = Context(fill_inputs(action.get("inputs"), given), github)
    temp = os.environ.get("RUNNER_TEMP") or tempfile.mkdtemp()
    path_file = os.path.join(temp, "github_path")
    open(path_file, "a").close()
    status = 0
    for step in action["runs"]["steps"]:
        if "if" in step and not context.evaluate(step["if"]):
            continue
        status = run_step(step, context, action_dir, temp, path_file)
        if status != 0:
            break
    outputs = {name: context.substitute(spec["value"]) for name, spec in action.get("outputs", {}).items()}
    print(json.dumps({"status": status, "outputs": outputs}))


if __name__ == "__main__":
    main()
