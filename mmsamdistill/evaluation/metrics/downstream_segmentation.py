"""Downstream segmentation of restored images: PA, IoU and DICE (Table 2)."""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmagic.registry import METRICS

from .frozen_segmenter import IMAGENET_MEAN, IMAGENET_STD, FrozenSegmenter

# The segmenter bundled with the package (learned on PASCAL VOC).
LEARNED_SEGMENTER = dict(type='PascalDeepLabV3')
LEARNED_SEGMENTER_CLASSES = 21
from .image_pair_metric import ImagePairMetric


def confusion_matrix(pred: np.ndarray, label: np.ndarray, num_classes: int,
                     ignore_index: int = 255) -> np.ndarray:
    """Pixel counts ``cm[label, pred]`` of one image, ignored pixels dropped.

    Args:
        pred (np.ndarray): (H, W) predicted class indices.
        label (np.ndarray): (H, W) ground-truth class indices.
        num_classes (int): Number of classes.
        ignore_index (int): Label value of pixels left out. Defaults to 255.

    Returns:
        np.ndarray: (num_classes, num_classes) int64 matrix.
    """
    if pred.shape != label.shape:
        raise ValueError(f'prediction {pred.shape} and label {label.shape} '
                         'must have the same size')
    valid = label != ignore_index
    pred, label = pred[valid].astype(np.int64), label[valid].astype(np.int64)
    if label.size and (label.min() < 0 or label.max() >= num_classes):
        raise ValueError(
            f'label values must be in [0, {num_classes}) or {ignore_index} '
            f'(ignored), found {np.unique(label).tolist()[:10]}; Cityscapes '
            'needs the *_gtFine_labelTrainIds.png maps, not labelIds')
    if pred.size and (pred.min() < 0 or pred.max() >= num_classes):
        raise ValueError(f'the segmenter predicted class {pred.max()} but '
                         f'num_classes is {num_classes}')
    counts = np.bincount(label * num_classes + pred,
                         minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def segmentation_scores(confusion: np.ndarray) -> Dict[str, float]:
    """PA, mIoU and mDice of a dataset-level confusion matrix.

    With TP_c the pixels of class c predicted as c, FP_c the other pixels
    predicted as c and FN_c the pixels of class c predicted as another class
    (all summed over the dataset, ignored pixels excluded)::

        PA    = sum_c TP_c / (number of labelled pixels)
        IoU_c = TP_c / (TP_c + FP_c + FN_c)
        DICE_c = 2 TP_c / (2 TP_c + FP_c + FN_c)

    and mIoU / mDice average IoU_c / DICE_c over the classes present in the
    union of label and prediction over the dataset (TP_c + FP_c + FN_c > 0).

    Args:
        confusion (np.ndarray): (C, C) counts ``[label, pred]``.

    Returns:
        dict: ``PA``, ``mIoU``, ``mDice`` as floats in [0, 1].
    """
    confusion = confusion.astype(np.float64)
    total = confusion.sum()
    if total == 0:
        raise ValueError('no labelled pixel was evaluated: every label is '
                         'ignore_index, or no sample was processed')
    true_pos = np.diag(confusion)
    label_area, pred_area = confusion.sum(axis=1), confusion.sum(axis=0)
    union = label_area + pred_area - true_pos
    present = union > 0
    iou = true_pos[present] / union[present]
    dice = 2 * true_pos[present] / (label_area + pred_area)[present]
    return dict(PA=float(true_pos.sum() / total),
                mIoU=float(iou.mean()),
                mDice=float(dice.mean()))


@METRICS.register_module()
class DownstreamSegmentationMetric(ImagePairMetric):
    """Segment restored images with a frozen segmenter; score PA, IoU, DICE.

    The paper (Table 2) segments the restored Cityscapes-syn images with an
    HRNet pre-trained on Cityscapes and scores the result against the
    Cityscapes labels; its 'No Rain' row (the clean images) is what the
    segmenter itself reaches. Here the segmenter's argmax on each sample's
    ``image_key`` image is compared with its label map (Cityscapes trainIds,
    ``ignore_index`` left out), one confusion matrix is accumulated over the
    dataset, and the metric reports ``PA``, ``mIoU`` and ``mDice``
    (fractions in [0, 1], as the paper prints them):

    * per class c, over the whole dataset: IoU_c = TP/(TP+FP+FN) and
      DICE_c = 2TP/(2TP+FP+FN); PA = correct pixels / labelled pixels;
    * mIoU and mDice are the means of IoU_c and DICE_c over the classes
      present in the union of label and prediction (TP+FP+FN > 0).

    Why this definition: it is mmsegmentation's ``IoUMetric`` (mIoU, mDice,
    aAcc) -- the one HRNet's model card (79.93 mIoU on Cityscapes val) is
    measured with, and close to the paper's 'No Rain' IoU of 0.8020. A
    dataset-level confusion matrix does not let images with few pixels of a
    class swing its score, and skipping classes absent from both label and
    prediction keeps a small subset from counting them as 0 or 1 (on the
    full Cityscapes val all 19 classes are present, so it is the plain
    19-class mean). The paper does not define its DICE; note that a class
    mean of Dice cannot exceed 2m/(1+m) for a class-mean IoU m (Dice is a
    concave function of IoU), i.e. 0.890 for IoU 0.8020, so the paper's
    0.9323 was averaged differently (e.g. weighted by class frequency);
    mDice here is the class mean.

    The segmenter is built once, on first use, and held by a
    :class:`FrozenSegmenter` (eval mode, no gradients, outside any module
    tree or checkpoint). It runs where the evaluated model runs, unless
    ``device`` says otherwise.

    The label map comes from the data sample (``label_key``), loaded by the
    test pipeline::

        dict(type='LoadImageFromFile', key='gt_seg', color_type='unchanged',
             imdecode_backend='cv2'),
        dict(type='PackInputs', data_keys=['gt_seg'])

    with ``data_prefix=dict(img='lq', gt='gt', gt_seg='seg')`` in the
    dataset.

    Without a ``segmenter`` the metric uses the learned segmenter bundled
    with this package (DeepLabV3-MobileNetV2 trained on PASCAL VOC, 21
    classes); without a ``label_key`` the labels are that segmenter's own
    map of the ground truth, so the metric scores how much of the clean
    image's semantics the restoration keeps, on any dataset.

    Args:
        segmenter (dict, optional): The segmentation network: an
            mmsegmentation config ``dict(config='mmseg::...',
            checkpoint=URL_or_path)`` or a registry config ``dict(type=...,
            checkpoint=None, ...)``; see :class:`FrozenSegmenter`. ``None``
            (default) is the bundled ``PascalDeepLabV3`` (it takes images in
            [0, 1]: ``mean``/``std`` are then ignored).
        num_classes (int, optional): Classes of the labels and the
            segmenter. Defaults to 19 (Cityscapes trainIds) for a given
            segmenter, 21 for the bundled one.
        ignore_index (int): Label value left out. Defaults to 255.
        image_key (str): Image to segment: ``'pred_img'`` (restored, default),
            ``'input'`` (the rainy input: the 'Rain' row) or ``'gt_img'``
            (the clean image: the 'No Rain' row).
        label_key (str, optional): Data sample key of the label map;
            ``None`` takes the segmenter's map of ``gt_img`` instead.
            Defaults to ``'gt_seg'``.
        mean (Sequence[float]): RGB mean for registry segmenters, in [0, 255].
        std (Sequence[float]): RGB std for registry segmenters, in [0, 255].
        channel_order (str): Channel order of the images. Defaults to 'BGR'.
        device (str, optional): Device of the segmenter; see
            :class:`ImagePairMetric`.
        collect_device (str): Device to gather results. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names.
    """

    def __init__(self,
                 segmenter: Optional[dict] = None,
                 num_classes: Optional[int] = None,
                 ignore_index: int = 255,
                 image_key: str = 'pred_img',
                 label_key: Optional[str] = 'gt_seg',
                 mean: Sequence[float] = IMAGENET_MEAN,
                 std: Sequence[float] = IMAGENET_STD,
                 channel_order: str = 'BGR',
                 device: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(channel_order=channel_order, device=device,
                         collect_device=collect_device, prefix=prefix)
        if segmenter is None:
            # The bundled segmenter normalises [0, 1] images itself.
            segmenter, mean, std = LEARNED_SEGMENTER, (0., ) * 3, (255., ) * 3
            num_classes = num_classes or LEARNED_SEGMENTER_CLASSES
        self.segmenter = FrozenSegmenter(segmenter, mean=mean, std=std)
        self.num_classes = num_classes or 19
        self.ignore_index = ignore_index
        self.image_key = image_key
        self.label_key = label_key

    def _label(self, sample: dict) -> np.ndarray:
        if self.label_key is None:
            gt = self.fetch_image(sample, 'gt_img')
            return self.segmenter.predict(
                self.to_rgb(gt), self.run_device(gt)).cpu().numpy()
        if self.label_key not in sample:
            raise KeyError(
                f'no label map {self.label_key!r} in the data sample; load it '
                "in the test pipeline (LoadImageFromFile(key='gt_seg', "
                "color_type='unchanged') and PackInputs(data_keys="
                "['gt_seg'])) with data_prefix gt_seg='seg'")
        label = torch.as_tensor(sample[self.label_key])
        if label.ndim == 3 and label.shape[0] == 1:
            label = label[0]
        if label.ndim != 2:
            raise ValueError(f'{self.label_key!r} must be a single-channel '
                             f'label map, got shape {tuple(label.shape)}')
        return label.cpu().numpy()

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Segment each sample's image and store its confusion matrix.

        Args:
            data_batch (dict): The batch from the dataloader (unused).
            data_samples (Sequence[dict]): Data samples with the outputs.
        """
        for sample in data_samples:
            image = self.fetch_image(sample, self.image_key)
            label = self._label(sample)
            if tuple(image.shape[-2:]) != label.shape:
                raise ValueError(
                    f'{self.image_key!r} is {tuple(image.shape[-2:])} but '
                    f'its label map is {label.shape}; they must match')
            pred = self.segmenter.predict(
                self.to_rgb(image), self.run_device(image))
            self.results.append(
                confusion_matrix(pred.cpu().numpy(), label, self.num_classes,
                                 self.ignore_index))

    def compute_metrics(self, results: List[np.ndarray]) -> Dict[str, float]:
        """PA, mIoU and mDice over all samples (see the class docstring).

        Args:
            results (list[np.ndarray]): Per-sample confusion matrices.

        Returns:
            dict: ``PA``, ``mIoU``, ``mDice``.
        """
        return segmentation_scores(np.sum(results, axis=0))
