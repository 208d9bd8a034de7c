#!/usr/bin/env bash
# The project's main job on its embedded default: the same tiny NAFNet
# trained stock and with SAM-prior distillation on deraining data built from
# scikit-image's photos, both tested with tools/test.py, compared in a table
# with image grids and loss curves. Sets up the environment if needed.
#   bash tools/run_demo.sh [--sam-checkpoint sam_vit_b.pth] [--seed 10] ...
# (arguments go to tools/demo/samdistill_demo.py; see its --help)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=$(bash "$root/tools/setup_env.sh")
cd "$root"
"$py" tools/demo/samdistill_demo.py "$@"
