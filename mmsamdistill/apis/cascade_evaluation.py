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

from mmagic.evaluation.metrics.psnr import psnr
from mmagic.registry import MODELS
from ..datasets import read_label_map
from ..models.utils import label_map_to_masks
from .run_checkpoint import load_run_checkpoint


def _read_rgb(path: str) -> np.ndarray:
    image = cv2.imread(path)
    if image is None:
        raise FileNotFoundError(f'cannot read image {path}')
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def psnr_settings(cfg: Config) -> dict:
    """``crop_border``/``convert_to`` of the config's test PSNR, if any."""
    evaluators = cfg.get('test_evaluator') or []
    if isinstance(evaluators, dict):
        evaluators = evaluators.get('metrics', [evaluators])
    for metric in evaluators:
        if metric.get('type') == 'PSNR':
            return dict(crop_border=metric.get('crop_border', 0),
                        convert_to=metric.get('convert_to'))
    return {}


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
        dict[str, float]: ``IR1_PSNR`` and ``IR2_PSNR``, computed as the
        config's test PSNR is (``convert_to``, ``crop_border``).
    """
    cfg = Config.fromfile(config)
    if cfg.model.type != 'CascadeDistillRestorer':
        raise ValueError(f'{config} is not a CascadeDistillRestorer config')
    cfg.model.sgr_loss = None  # no VGG needed to run the networks
    model = MODELS.build(cfg.model).eval()
    load_run_checkpoint(model, checkpoint)
    # The test pipeline's normalisation (MMagic's DataPreprocessor).
    mean = getattr(model.data_preprocessor, 'mean', None)
    std = getattr(model.data_preprocessor, 'std', None)
    mean = torch.zeros(1) if mean is None else mean.view(1, -1, 1, 1)
    std = torch.ones(1) if std is None else std.view(1, -1, 1, 1)
    settings = psnr_settings(cfg)
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
            scores[key].append(
                psnr(image.permute(1, 2, 0).numpy(), gt, **settings))
    return {key: float(np.mean(values)) for key, values in scores.items()}
