#!/usr/bin/env bash
# Usage: bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCESSES [test.py options]
# One process per GPU, run by .venv's Python unless PYTHON names another; on
# a machine without GPUs the processes share the CPU and talk over gloo.
# NNODES, NODE_RANK, MASTER_ADDR, PORT set multi-node runs
# (tools/launch_common.sh).
set -euo pipefail
source "$(dirname "$0")/launch_common.sh"
dist_launch "$3" "$ROOT/tools/test.py" "$1" "$2" --launcher pytorch "${@:4}"
