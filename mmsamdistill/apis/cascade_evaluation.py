"""Score both networks of a trained cascade: IR1 (student) and IR2 (teacher).

``tools/test.py`` scores IR1 only, the network that ships; the paper's
Table 5 also reports IR2, which tells whether the teacher is better than
the student at all (distillation can only help when it is).
"""
import os
import os.path as osp
from typing import Dict

import cv2
import numpy as np
import torch
from mmengine import Config
from mmengine.runner.checkpoint import CheckpointLoader

from mmagic.evaluation.metrics.psnr import psnr
from mmagic.registry import MODELS
from ..datasets import read_label_map
from ..engine import trusted_run_checkpoints
from ..models.utils import label_map_to_masks


def _read_rgb(path: str) -> np.ndarray:
    image = cv2.imread(path)
    if image is None:
        raise FileNotFoundError(f'cannot read image {path}')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@torch.no_grad()
def evaluate_cascade(config: str, checkpoint: str, lq_dir: str, gt_dir: str,
                     mask_root: str) -> Dict[str, float]:
    """Mean PSNR of IR1 and IR2 of a ``CascadeDistillRestorer`` run.

    Args:
        config (str): The run's config.
        checkpoint (str): A checkpoint of your own run of it.
        lq_dir (str): Degraded test images.
        gt_dir (str): Ground truths, same file names.
        mask_root (str): Label maps of the test images for IR2 (file names
            of the images, ``.png``).

    Returns:
        dict[str, float]: ``IR1_PSNR`` and ``IR2_PSNR`` (RGB, 0-255, like
        MMagic's default PSNR).
    """
    cfg = Config.fromfile(config)
    if cfg.model.type != 'CascadeDistillRestorer':
        raise ValueError(f'{config} is not a CascadeDistillRestorer config')
    cfg.model.sgr_loss = None  # no VGG needed to run the networks
    model = MODELS.build(cfg.model).eval()
    with trusted_run_checkpoints():
        state = CheckpointLoader.load_checkpoint(checkpoint, 'cpu')
    state = state.get('state_dict', state)
    missing = model.load_state_dict(
        {k: v for k, v in state.items() if not k.startswith('sgr_loss.')},
        strict=False).missing_keys
    if missing:
        raise KeyError(f'{checkpoint} lacks {missing[:4]} of {config}')
    # The test pipeline's normalisation (MMagic's DataPreprocessor).
    mean = getattr(model.data_preprocessor, 'mean', None)
    std = getattr(model.data_preprocessor, 'std', None)
    mean = torch.zeros(1) if mean is None else mean.view(1, -1, 1, 1)
    std = torch.ones(1) if std is None else std.view(1, -1, 1, 1)
    scores = dict(IR1_PSNR=[], IR2_PSNR=[])
    for name in sorted(os.listdir(lq_dir)):
        lq = _read_rgb(osp.join(lq_dir, name))
        gt = _read_rgb(osp.join(gt_dir, name))
        x = torch.from_numpy(lq).permute(2, 0, 1)[None].float()
        student = model.generator((x - mean) / std)
        labels = read_label_map(
            osp.join(mask_root, osp.splitext(name)[0] + '.png'))
        masks, valid = label_map_to_masks(
            torch.from_numpy(labels.astype(np.int64))[None], model.num_masks)
        teacher = model.forward_teacher(student, masks, valid)
        for key, out in (('IR1_PSNR', student), ('IR2_PSNR', teacher)):
            image = (out * std + mean)[0].clamp(0, 255).round().byte()
            scores[key].append(psnr(image.permute(1, 2, 0).numpy(), gt))
    return {key: float(np.mean(values)) for key, values in scores.items()}
