#!/usr/bin/env bash
# The project's main job on its embedded default: build the demo deraining
# data from scikit-image's photos, train a small stock NAFNet with
# tools/train.py and test it with tools/test.py. Sets up the env if needed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
py=$(bash "$root/tools/setup_env.sh")
cd "$root"
config=configs/demo/nafnet_tiny_demo_rain.py
work_dir=work_dirs/demo_nafnet_tiny_rain

"$py" tools/dataset_converters/make_demo_dataset.py --out data/demo_rain
"$py" tools/train.py "$config" --work-dir "$work_dir"
"$py" tools/test.py "$config" "$(cat "$work_dir/last_checkpoint")" \
    --work-dir "$work_dir" --out "$work_dir/test_metrics.json"
echo "test metrics: $work_dir/test_metrics.json"
cat "$work_dir/test_metrics.json"
