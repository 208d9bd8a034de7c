"""Mask sources of the demo: SAM when a checkpoint is given, else a prior
that needs no download (the bundled learned segmenter by default).

Masks are made by ``tools/misc/generate_sam_masks.py``, as a user makes them.
"""
import os
import os.path as osp
import sys
from typing import List, Optional, Tuple

from mmsamdistill.utils import dump_json_atomic, load_json_if_exists
from .experiment import REPO_ROOT
from .progress import run_logged

MARKER_FILE = '.demo_masks_done.json'
# Priors without SAM: name (also the mask folders' suffix) -> arguments of
# generate_sam_masks.py. The segmenter is DeepLabV3-MobileNetV2 trained on
# PASCAL VOC, bundled with the package; the classical ones carry no learned
# knowledge.
PRIORS = {
    'segmenter_classes': ['--generator', 'segmenter', '--options',
                          'form=classes'],
    'segmenter_classes_by_segments': ['--generator', 'segmenter',
                                      '--options',
                                      'form=classes_by_segments'],
    'felzenszwalb': ['--generator', 'felzenszwalb'],
    'slic': ['--generator', 'slic'],
}
DEFAULT_PRIOR = 'segmenter_classes'


def mask_source(sam_checkpoint: Optional[str] = None,
                sam_model_type: str = 'vit_b',
                prior: str = DEFAULT_PRIOR) -> Tuple[str, List[str]]:
    """Name and ``generate_sam_masks.py`` arguments of the mask source.

    Args:
        sam_checkpoint (str, optional): A SAM checkpoint file; without one
            ``prior`` is used (no download needed).
        sam_model_type (str): SAM's ``model_type``. Defaults to 'vit_b'.
        prior (str): A key of ``PRIORS``.

    Returns:
        tuple[str, list[str]]: Source name (used in folder names) and the
        tool's generator arguments.
    """
    if sam_checkpoint:
        if not osp.isfile(sam_checkpoint):
            raise FileNotFoundError(
                f'SAM checkpoint {sam_checkpoint} does not exist; download '
                'one of the segment-anything releases or leave it unset to '
                f'use the {prior} masks')
        return f'sam_{sam_model_type}', [
            '--generator', 'sam', '--options', f'model_type={sam_model_type}',
            f'checkpoint={sam_checkpoint}'
        ]
    if prior not in PRIORS:
        raise ValueError(f'prior must be one of {sorted(PRIORS)}, got '
                         f'{prior!r}')
    return prior, list(PRIORS[prior])


def generate_masks(image_folder: str, mask_root: str,
                   generator_args: List[str], log_path: str,
                   python: Optional[str] = None) -> None:
    """Run ``tools/misc/generate_sam_masks.py`` (resumes, skips done ones).

    Args:
        image_folder (str): Images to segment.
        mask_root (str): Output mask root.
        generator_args (list[str]): From :func:`mask_source`.
        log_path (str): The tool's output is appended here.
        python (str, optional): Interpreter. Defaults to this one.
    """
    # The tool resumes on its own, but starting it costs seconds: a marker
    # of a finished pass over the same images and settings skips it.
    marker_path = osp.join(mask_root, MARKER_FILE)
    # Hidden names are other writers' temp files (write_atomic).
    images = [[name, os.stat(osp.join(image_folder, name)).st_mtime_ns]
              for name in sorted(os.listdir(image_folder))
              if not name.startswith('.')]
    marker = dict(image_folder=osp.abspath(image_folder), images=images,
                  generator_args=list(generator_args))
    if load_json_if_exists(marker_path) == marker:
        return
    args = [
        python or sys.executable, 'tools/misc/generate_sam_masks.py',
        image_folder, mask_root, *generator_args
    ]
    code = run_logged(args, log_path, f'masks of {image_folder}',
                      cwd=REPO_ROOT)
    if code != 0:
        raise RuntimeError(f'mask generation failed ({code}); see {log_path}')
    dump_json_atomic(marker, marker_path)
