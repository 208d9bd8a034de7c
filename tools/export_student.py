"""Export the student (IR1) of a CascadeDistillRestorer checkpoint.

The output holds only tensors under the stock model's keys (``generator.*``
and the preprocessor's), so the *stock* MMagic config loads it, weights-only:

    python tools/export_student.py work_dirs/run/iter_N.pth student.pth
    python tools/test.py mmagic::nafnet/<stock config>.py student.pth

CKPT is loaded weights-only (the few classes mmengine stores are
allow-listed), so a crafted file is refused instead of running its code.
The output is written atomically: Ctrl-C, SIGTERM or a full disk leave any
previous OUT as it was.
"""
import argparse
import sys
import warnings

import torch

# MMagic's imports print third-party deprecations; main() drops just those
with warnings.catch_warnings(record=True) as _import_warnings:
    warnings.simplefilter('always')
    import mmsamdistill  # noqa: F401  registers the weights-only allow-list
from mmsamdistill.engine import CheckpointRefusedError, load_checkpoint_file
from mmsamdistill.utils import (exit_code, filter_third_party_warnings,
                                stop_on_sigterm, write_atomic)

# What the stock model (MMagic's BaseEditModel) holds; everything else of the
# cascade (IR2, SPF, its gate, loss and weighting state) exists for training.
STUDENT_PARTS = ('generator.', 'data_preprocessor.')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog='CHECKPOINT is loaded weights-only: tensors and the few '
        'classes mmengine stores are allowed, anything else is refused.')
    parser.add_argument('checkpoint', help='a CascadeDistillRestorer '
                        'checkpoint (loaded weights-only)')
    parser.add_argument('out', help='output checkpoint of the student')
    return parser.parse_args()


def export_student(checkpoint: str, out: str) -> dict:
    """Write the student's weights of ``checkpoint`` to ``out``.

    Args:
        checkpoint (str): A training checkpoint (``iter_N.pth``).
        out (str): Output path, written atomically.

    Returns:
        dict: Number of kept and dropped tensors.
    """
    loaded = load_checkpoint_file(checkpoint)
    state = loaded.get('state_dict', loaded)
    student = {
        k: v
        for k, v in state.items() if k.startswith(STUDENT_PARTS)
    }
    if not any(k.startswith('generator.') for k in student):
        raise KeyError(f'{checkpoint} has no generator.* weights; pass a '
                       'checkpoint of an MMagic editing model')
    meta = dict(exported_from=str(checkpoint))
    write_atomic(out, lambda tmp: torch.save(
        dict(meta=meta, state_dict=student), tmp))
    return dict(kept=len(student), dropped=len(state) - len(student))


def main() -> None:
    filter_third_party_warnings(_import_warnings)
    args = parse_args()
    try:
        with stop_on_sigterm():
            counts = export_student(args.checkpoint, args.out)
    except CheckpointRefusedError as err:  # a crafted or damaged file
        raise SystemExit(f'error: {err}')
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM
        why = str(stop) or 'Ctrl-C'
        print(f'Export stopped by {why}: {args.out} was not written (any '
              'previous version is unchanged); run the same command again.',
              file=sys.stderr)
        raise SystemExit(exit_code(stop))
    except OSError as err:  # a full disk: the message names the file
        raise SystemExit(f'error: {err}')
    print(f'{args.out}: kept {counts["kept"]} student tensors, dropped '
          f'{counts["dropped"]} distillation-only tensors')


if __name__ == '__main__':
    main()
