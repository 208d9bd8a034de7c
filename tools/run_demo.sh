#!/usr/bin/env bash
# The project's main job on its embedded default: a stock tiny NAFNet
# trained on data built from scikit-image's photos (stage A), then upgraded
# two ways for the same iterations -- stock training continued, and SAM-prior
# distillation -- both tested with tools/test.py on tiles of unseen photos,
# compared in a table with image grids and loss curves. Sets up the
# environment if needed.
#   bash tools/run_demo.sh [--degradation rain|blur|noise] [--seed 0]
#       [--sam-checkpoint sam_vit_b.pth] ...
# Several seeds with a confidence interval:
#   python tools/analysis_tools/paired_seeds.py --seeds 0 1 2
# (arguments go to tools/demo/samdistill_demo.py; see its --help)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=$(bash "$root/tools/setup_env.sh")
cd "$root"
"$py" tools/demo/samdistill_demo.py "$@"
