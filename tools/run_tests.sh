#!/usr/bin/env bash
# Run the test suite (CPU). Sets up the env if needed; extra arguments go to
# pytest, e.g. `bash tools/run_tests.sh -k sgr`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=$(bash "$root/tools/setup_env.sh")
cd "$root"
exec "$py" -m pytest tests "$@"
