#!/usr/bin/env bash
# Sourced by dist_{train,test}.sh and slurm_{train,test}.sh: the interpreter
# and the two launchers they share. Not run by itself.
#
# ROOT: the repository (or installed tools') root. PYTHON: $PYTHON, else the
# quick start's virtualenv ($MMSAMDISTILL_VENV or <root>/.venv), else python.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ -z "${PYTHON:-}" ]; then
    VENV=${MMSAMDISTILL_VENV:-$ROOT/.venv}
    if [ -x "$VENV/bin/python" ]; then PYTHON=$VENV/bin/python; else PYTHON=python; fi
fi

# dist_launch NUM_PROCESSES TOOL [TOOL ARGUMENTS...] (--launcher pytorch among them)
# One process per GPU through torch.distributed.run; NNODES, NODE_RANK,
# MASTER_ADDR and PORT set multi-node runs.
dist_launch() {
    local nproc=$1
    PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
    "$PYTHON" -m torch.distributed.run \
        --nnodes="${NNODES:-1}" --node_rank="${NODE_RANK:-0}" \
        --master_addr="${MASTER_ADDR:-127.0.0.1}" \
        --nproc_per_node="$nproc" --master_port="${PORT:-29500}" \
        "${@:2}"
}

# slurm_launch PARTITION JOB_NAME TOOL [TOOL ARGUMENTS...] (--launcher=slurm among
# them)
# One srun task per GPU (MMagic's convention): GPUS (default 8),
# GPUS_PER_NODE (default min(GPUS, 8)), CPUS_PER_TASK (default 5), SRUN_ARGS.
# mmengine's slurm launcher reads the rank and world size from srun's
# environment; MASTER_PORT is drawn at random so that jobs sharing a node do
# not collide.
slurm_launch() {
    local gpus=${GPUS:-8}
    local gpus_per_node=${GPUS_PER_NODE:-$(( gpus < 8 ? gpus : 8 ))}
    export MASTER_PORT=${MASTER_PORT:-$((20000 + RANDOM % 20000))}
    set -x
    # SRUN_ARGS is split on spaces on purpose: it holds several srun options.
    # shellcheck disable=SC2086
    PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
    srun --partition="$1" \
        --job-name="$2" \
        --gres=gpu:"$gpus_per_node" \
        --ntasks="$gpus" \
        --ntasks-per-node="$gpus_per_node" \
        --cpus-per-task="${CPUS_PER_TASK:-5}" \
        --kill-on-bad-exit=1 \
        ${SRUN_ARGS:-} \
        "$PYTHON" -u "${@:3}"
}
