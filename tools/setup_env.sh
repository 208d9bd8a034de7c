#!/usr/bin/env bash
# Create, or reuse, the virtualenv that holds the tested OpenMMLab stack: the
# declared requirement ranges (requirements/runtime.txt, openmmlab.txt)
# installed under the exact tested set (requirements/constraints.txt).
#
# Idempotent: when the requirements are unchanged a second run returns at once,
# and mmcv -- most of a first setup's time (README, "Install") -- is compiled
# once into a wheel cache outside the repository, so new clones and new
# virtualenvs reuse it.
#
# Environment: MMSAMDISTILL_VENV (default <repo>/.venv), MMSAMDISTILL_CACHE
# (default ~/.cache/mmsamdistill), PYTHON (default python3, 3.11 is tested).
set -euo pipefail
# Progress goes to stderr; stdout carries only the venv's python path, so
# callers can write: py=$(bash tools/setup_env.sh)
exec 3>&1 1>&2

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${MMSAMDISTILL_VENV:-$root/.venv}
cache=${MMSAMDISTILL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mmsamdistill}
wheels=$cache/wheels
mmcv_version=2.1.0

stamp=$venv/.mmsamdistill-installed
want=$(cat "$root"/requirements.txt "$root"/requirements/*.txt "$root"/setup.py \
    "$root"/tools/setup_env.sh | sha256sum | cut -c1-16)
if [[ -f $stamp && $(cat "$stamp") == "$want" ]]; then
    echo "$venv/bin/python" >&3
    exit 0
fi

log() { printf '[setup_env] %s\n' "$*" >&2; }
start=$SECONDS
[[ -x $venv/bin/python ]] || { log "creating $venv"; "${PYTHON:-python3}" -m venv "$venv"; }
py=$venv/bin/python
# The full tested freeze is the constraint file. Passing -c replaces any
# machine-wide pip constraint, which is why the freeze pins torch as well.
pip=("$py" -m pip install --disable-pip-version-check -q -c "$root/requirements/constraints.txt")

log "installing torch and build tools"
"${pip[@]}" setuptools wheel ninja torch torchvision numpy

if ! compgen -G "$wheels/mmcv-$mmcv_version-*.whl" >/dev/null; then
    log "building mmcv $mmcv_version with CPU ops (once; the longest step, see README)"
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # Metadata of the sdist imports torch, so no build isolation here either.
    "$py" -m pip download --disable-pip-version-check -q --no-deps --no-binary mmcv \
        --no-build-isolation -d "$work" "mmcv==$mmcv_version"
    tar -xzf "$work"/mmcv-"$mmcv_version".tar.gz -C "$work"
    # torch >= 2.6 headers refuse C++17, which mmcv 2.1.0's setup.py hard-codes.
    sed -i 's/-std=c++17/-std=c++20/' "$work/mmcv-$mmcv_version/setup.py"
    # Without --no-build-isolation pip builds in a torch-less sandbox and
    # silently produces a wheel without the compiled `mmcv._ext`.
    MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "$py" -m pip wheel \
        --disable-pip-version-check -q --no-deps --no-build-isolation \
        -w "$work/dist" "$work/mmcv-$mmcv_version"
    mkdir -p "$wheels"
    built=$(ls "$work"/dist/mmcv-*.whl)
    # Copy then rename, so an interrupted run never leaves a partial wheel.
    cp "$built" "$wheels/.partial.whl"
    mv "$wheels/.partial.whl" "$wheels/$(basename "$built")"
fi

log "installing the tested stack and mmsamdistill"
"${pip[@]}" --find-links "$wheels" --only-binary mmcv \
    -r "$root/requirements.txt" -r "$root/requirements/tests.txt"
"${pip[@]}" --no-deps --no-build-isolation -e "$root"
# The import check shows real errors, not MMagic's import-time deprecation
# walls (the filter the tools use; see mmsamdistill.utils.runner_setup).
"$py" -c '
import warnings
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import mmcv.ops, mmagic.models, mmsamdistill
from mmsamdistill.utils import filter_third_party_warnings
filter_third_party_warnings(caught)' \
    || { log "the stack installed but does not import; see the error above"; exit 1; }
echo "$want" > "$stamp"
log "ready in $((SECONDS - start)) s: $venv"
echo "$py" >&3
