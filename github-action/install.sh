#!/usr/bin/env bash
# The action's install step: pausegate's wheel into its own virtualenv, put
# on PATH for the steps after this one (through GITHUB_PATH), so the job
# does not compile anything.
set -euo pipefail
venv="${RUNNER_TEMP:?}/pausegate-venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${PAUSEGATE_PACKAGE:?}"
echo "$venv/bin" >> "${GITHUB_PATH:?}"
"$venv/bin/pausegate" --version
