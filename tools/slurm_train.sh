#!/usr/bin/env bash
# Train on a Slurm cluster, one task per GPU (MMagic's convention):
#   [GPUS=16] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#   bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py options]
# The interpreter is $PYTHON, else the repo's .venv, else python
# (tools/launch_common.sh).
set -euo pipefail
if [ $# -lt 4 ]; then
    sed -n '2,4p' "$0" >&2
    exit 2
fi
source "$(dirname "$0")/launch_common.sh"
slurm_launch "$1" "$2" "$ROOT/tools/train.py" "$3" --work-dir="$4" \
    --launcher=slurm "${@:5}"
