"""Score IR2 (the teacher) next to IR1 through a config's own test loop."""
import copy
from typing import List, Optional

from mmengine.config import Config

from ..datasets.transforms import add_sam_masks

TEACHER_PRED_KEY = 'teacher_pred_img'
TEACHER_PREFIX = 'teacher'


def teacher_metrics(metrics: List[dict]) -> List[dict]:
    """Copies of the student's image metrics that read IR2's restoration.

    Args:
        metrics (list[dict]): The evaluator's metric configs.

    Returns:
        list[dict]: Each metric that scores ``pred_img`` (PSNR, SSIM, MAE,
        ...), reading ``teacher_pred_img`` and logged as ``teacher/<name>``.
    """
    copies = []
    for metric in metrics:
        if metric.get('pred_key', 'pred_img') != 'pred_img':
            continue
        if metric.get('type') not in ('PSNR', 'SSIM', 'MAE', 'MSE', 'SNR'):
            continue  # only MMagic's sample-wise image metrics take pred_key
        copies.append(
            dict(copy.deepcopy(metric), pred_key=TEACHER_PRED_KEY,
                 prefix=TEACHER_PREFIX))
    return copies


def add_teacher_evaluation(cfg: Config,
                           split: str = 'test',
                           mask_root: Optional[str] = None,
                           image_key: str = 'img') -> Config:
    """Make ``split``'s loop also score IR2, with the images' cached masks.

    The split's pipeline loads each image's label map (``LoadSAMMask``
    after the ``image_key`` image, packed with the batch); the cascade then
    adds IR2's restoration to its predictions, and a copy of each image
    metric scores it under the ``teacher`` prefix. The student keeps the
    stock metric names, so ``save_best='PSNR'`` still means IR1. Masks of
    the degraded test images (``image_key='img'``) are what a deployed
    teacher would see; ``'gt'`` gives the privileged view.

    Args:
        cfg (Config): A ``CascadeDistillRestorer`` config, changed in place.
        split (str): ``'test'`` or ``'val'``. Defaults to ``'test'``.
        mask_root (str, optional): ``LoadSAMMask``'s ``mask_root``
            (default: ``<image folder>_sam_masks``).
        image_key (str): The image the masks were computed on.
            Defaults to ``'img'``.

    Returns:
        Config: ``cfg``.
    """
    if cfg.model.get('type') != 'CascadeDistillRestorer':
        raise ValueError('scoring the teacher needs a CascadeDistillRestorer '
                         f"config, got model type {cfg.model.get('type')!r}")
    loader = cfg[f'{split}_dataloader']
    load_args = {} if mask_root is None else dict(mask_root=mask_root)
    loader.dataset.pipeline = add_sam_masks(
        loader.dataset.pipeline,
        key=cfg.model.get('mask_key', 'sam_mask'),
        image_key=image_key,
        **load_args)
    evaluator = cfg[f'{split}_evaluator']
    if isinstance(evaluator, dict) and 'metrics' in evaluator:
        evaluator.metrics = list(evaluator.metrics) + teacher_metrics(
            evaluator.metrics)
    else:
        metrics = evaluator if isinstance(evaluator, list) else [evaluator]
        cfg[f'{split}_evaluator'] = list(metrics) + teacher_metrics(metrics)
    return cfg
