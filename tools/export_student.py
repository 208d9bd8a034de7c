"""Export the student (IR1) of a CascadeDistillRestorer checkpoint.

The output holds only tensors under the stock model's keys (``generator.*``
and the preprocessor's), so the *stock* MMagic config loads it, weights-only:

    python tools/export_student.py work_dirs/run/iter_N.pth student.pth
    python tools/test.py mmagic::nafnet/<stock config>.py student.pth

Reading CKPT unpickles a full training checkpoint: pass only checkpoints of
your own runs (the same trust as ``--resume``).
"""
import argparse

import torch

import mmsamdistill  # noqa: F401  installs the checkpoint loader
from mmengine.runner.checkpoint import CheckpointLoader
from mmsamdistill.engine import trusted_run_checkpoints
from mmsamdistill.utils import write_atomic

# Parts of the cascade that exist only for training.
DISTILLATION_ONLY = ('teacher_generator.', 'spf.', 'spd_loss.', 'sgr_loss.')


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('checkpoint', help='a CascadeDistillRestorer '
                        'checkpoint of your own training run')
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
    with trusted_run_checkpoints():
        loaded = CheckpointLoader.load_checkpoint(checkpoint, 'cpu')
    state = loaded.get('state_dict', loaded)
    student = {
        k: v
        for k, v in state.items() if not k.startswith(DISTILLATION_ONLY)
    }
    if not any(k.startswith('generator.') for k in student):
        raise KeyError(f'{checkpoint} has no generator.* weights; pass a '
                       'checkpoint of an MMagic editing model')
    meta = dict(exported_from=str(checkpoint))
    write_atomic(out, lambda tmp: torch.save(
        dict(meta=meta, state_dict=student), tmp))
    return dict(kept=len(student), dropped=len(state) - len(student))


def main() -> None:
    args = parse_args()
    counts = export_student(args.checkpoint, args.out)
    print(f'{args.out}: kept {counts["kept"]} student tensors, dropped '
          f'{counts["dropped"]} distillation-only tensors')


if __name__ == '__main__':
    main()
