#!/usr/bin/env bash
# Test a checkpoint on a Slurm cluster, one task per GPU (MMagic's convention):
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#   bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py options]
# The checkpoint is loaded weights-only, as by tools/test.py. The interpreter
# is $PYTHON, else the repo's .venv, else python (tools/launch_common.sh).
set -euo pipefail
if [ $# -lt 4 ]; then
    sed -n '2,4p' "$0" >&2
    exit 2
fi
source "$(dirname "$0")/launch_common.sh"
slurm_launch "$1" "$2" "$ROOT/tools/test.py" "$3" "$4" --launcher=slurm \
    "${@:5}"
