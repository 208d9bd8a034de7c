"""DownstreamSegmentationMetric: scores, the frozen segmenter, end to end."""
import os.path as osp
import sys
import types
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmagic.registry import DATASETS, EVALUATORS, METRICS, MODELS
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.model import BaseModel, ImgDataPreprocessor
from mmengine.registry import DefaultScope, init_default_scope

from mmsamdistill.evaluation.metrics import (DownstreamSegmentationMetric,
                                             FrozenSegmenter,
                                             confusion_matrix,
                                             segmentation_scores)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# pure colours in RGB order: the colour segmenter below predicts their index
RGB_COLOURS = np.array([[200, 0, 0], [0, 200, 0], [0, 0, 200]], np.uint8)
BUILDS = []


@MODELS.register_module(force=True)
class ColourSegmenter(nn.Module):
    """Class = index of the largest RGB channel (a 1x1 identity conv)."""

    def __init__(self, stride=1):
        super().__init__()
        BUILDS.append(self)
        self.stride = stride
        self.conv = nn.Conv2d(3, 3, 1)
        with torch.no_grad():
            self.conv.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
            self.conv.bias.zero_()

    def forward(self, x):
        return self.conv(x)[..., ::self.stride, ::self.stride]


@MODELS.register_module(force=True)
class IdentityGenerator(nn.Module):
    """The 'restored' image is the input."""

    def forward(self, x):
        return x


def colour_metric(**kwargs):
    return DownstreamSegmentationMetric(
        segmenter=dict(type='ColourSegmenter'), num_classes=3,
        mean=(0., 0., 0.), std=(1., 1., 1.), **kwargs)


def test_scores_hand_computed():
    # classes 0..2 appear; class 3 appears nowhere and is left out
    label = np.array([[0, 0, 1, 1], [2, 2, 255, 255]])
    pred = np.array([[0, 1, 1, 1], [2, 0, 0, 3]])
    cm = confusion_matrix(pred, label, num_classes=4)
    assert cm.sum() == 6  # the two ignored pixels are dropped
    scores = segmentation_scores(cm)
    # TP = (1, 2, 1); label areas (2, 2, 2); predicted areas (2, 2+1, 1)
    assert scores['PA'] == pytest.approx(4 / 6)
    assert scores['mIoU'] == pytest.approx((1 / 3 + 2 / 3 + 1 / 2) / 3)
    assert scores['mDice'] == pytest.approx((2 / 4 + 4 / 5 + 2 / 3) / 3)
    # a class only predicted counts, with IoU 0
    cm_extra = confusion_matrix(np.array([[3, 0]]), np.array([[0, 0]]), 4)
    assert segmentation_scores(cm_extra)['mIoU'] == pytest.approx(0.25)


def test_label_values_checked():
    with pytest.raises(ValueError, match='labelTrainIds'):
        confusion_matrix(np.zeros((2, 2)), np.full((2, 2), 26), 19)
    with pytest.raises(ValueError, match='no labelled pixel'):
        segmentation_scores(np.zeros((3, 3)))


def write_unified_test_split(root, num=3, size=(8, 6), seed=0):
    """<root>/test/{lq,gt,seg}: colour-class images and noisy labels.

    Returns {name: (lq classes, gt classes, label)}.
    """
    rng = np.random.default_rng(seed)
    truth = {}
    for i in range(num):
        name = f'frame{i}.png'
        lq_cls = rng.integers(0, 3, size)
        gt_cls = rng.integers(0, 3, size)
        label = gt_cls.copy()
        label[0, :3] = 255
        for role, image in (('lq', RGB_COLOURS[lq_cls]),
                            ('gt', RGB_COLOURS[gt_cls]),
                            ('seg', label.astype(np.uint8))):
            path = osp.join(root, 'test', role, name)
            if image.ndim == 3:
                image = image[..., ::-1]  # cv2 writes BGR
            assert cv2.imwrite(_mkdir(path), image)
        truth[name] = (lq_cls, gt_cls, label)
    return truth


def _mkdir(path):
    import os
    os.makedirs(osp.dirname(path), exist_ok=True)
    return path


def hand_scores(preds, labels, num_classes=3):
    """Scores with explicit loops, independent of the metric's code."""
    tp, lab, prd = (np.zeros(num_classes) for _ in range(3))
    for pred, label in zip(preds, labels):
        for p, t in zip(pred.ravel(), label.ravel()):
            if t == 255:
                continue
            lab[t] += 1
            prd[p] += 1
            tp[t] += p == t
    present = lab + prd - tp > 0
    return dict(
        PA=tp.sum() / lab.sum(),
        mIoU=np.mean((tp / (lab + prd - tp))[present]),
        mDice=np.mean((2 * tp / (lab + prd))[present]))


def run_through_evaluator(data_root, metrics):
    """MultiTestLoop's steps: the config's pipeline, model, MMagic Evaluator.
    """
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/_base_/datasets/cityscapes_syn_100mm.py'))
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.data_root = osp.join(data_root, 'test')
    dataset = DATASETS.build(dataset_cfg)
    loader = torch.utils.data.DataLoader(
        dataset, batch_size=2, collate_fn=pseudo_collate)
    model = MODELS.build(
        dict(type='BaseEditModel', generator=dict(type='IdentityGenerator'),
             pixel_loss=dict(type='L1Loss'),
             data_preprocessor=dict(type='DataPreprocessor', mean=[0.] * 3,
                                    std=[255.] * 3)))
    evaluator = EVALUATORS.build(dict(type='Evaluator', metrics=metrics))
    evaluator.prepare_metrics(model, loader)
    for (metric_group, sampler) in evaluator.prepare_samplers(model, loader):
        for batch in sampler:
            evaluator.process(model.test_step(batch), batch, metric_group)
    return evaluator.evaluate()


def test_end_to_end_restored_input_and_clean_rows(tmp_path):
    truth = write_unified_test_split(str(tmp_path))
    BUILDS.clear()
    metrics = [
        colour_metric(),  # restored = the input (identity generator)
        colour_metric(image_key='input', prefix='Rain'),
        colour_metric(image_key='gt_img', prefix='NoRain'),
    ]
    results = run_through_evaluator(str(tmp_path), metrics)

    labels = [t[2] for t in truth.values()]
    expected = hand_scores([t[0] for t in truth.values()], labels)
    for key, value in expected.items():
        assert results[key] == pytest.approx(value)
        assert results[f'Rain/{key}'] == pytest.approx(value)
    # the clean images are the labels' colours: a perfect segmentation
    assert results['NoRain/PA'] == results['NoRain/mIoU'] == 1
    assert results['NoRain/mDice'] == 1
    assert 0 < results['PA'] < 1
    # one segmenter per metric, built once for all samples
    assert len(BUILDS) == 3


def test_segmenter_is_frozen_and_outside_module_trees(tmp_path):
    BUILDS.clear()
    metric = colour_metric()
    image = torch.from_numpy(
        RGB_COLOURS[[[0, 1], [2, 0]]][..., ::-1].copy()).permute(2, 0, 1)
    sample = dict(output=dict(pred_img=image.float()),
                  gt_seg=torch.tensor([[[0, 1], [2, 255]]]))
    metric.process({}, [sample, sample])
    assert metric.evaluate(2) == dict(PA=1.0, mIoU=1.0, mDice=1.0)
    network = metric.segmenter.network
    assert len(BUILDS) == 1 and not network.training
    assert not any(p.requires_grad for p in network.parameters())
    assert not isinstance(metric.segmenter, nn.Module)
    assert not any(isinstance(v, nn.Module) for v in vars(metric).values())
    # RGB input, not BGR: a swapped order would predict 2 for red
    rgb = torch.tensor(RGB_COLOURS[[[0]]]).permute(2, 0, 1).float()
    assert metric.segmenter.predict(rgb, torch.device('cpu')).item() == 0
    with pytest.raises(ValueError, match='must match'):
        metric.process({}, [dict(sample, gt_seg=torch.zeros(1, 3, 3))])
    # coarser logits are upsampled to the image size
    coarse = FrozenSegmenter(dict(type='ColourSegmenter', stride=2),
                             mean=(0, 0, 0), std=(1, 1, 1))
    green = torch.tensor(RGB_COLOURS[1]).view(3, 1, 1).expand(3, 4, 5)
    pred = coarse.predict(green.float(), torch.device('cpu'))
    assert pred.shape == (4, 5) and (pred == 1).all()


def test_missing_mmseg_error(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmseg', None)
    with pytest.raises(ImportError,
                       match=r'pip install "mmsegmentation>=1\.2,<1\.3"'):
        METRICS.build(
            dict(type='DownstreamSegmentationMetric',
                 segmenter=dict(config='mmseg::hrnet/x.py')))
    with pytest.raises(ValueError, match='either `config`'):
        FrozenSegmenter(dict(config='a.py', type='b'))


class FakeMMSegSegmentor(BaseModel):
    """What mmseg's init_model returns: a preprocessor and predict()."""

    def __init__(self):
        super().__init__(data_preprocessor=ImgDataPreprocessor(
            mean=[10., 10., 10.], std=[2., 2., 2.], bgr_to_rgb=True))
        self.scale = nn.Parameter(torch.ones(3))

    def predict(self, inputs, data_samples=None):
        logits = inputs * self.scale.view(1, 3, 1, 1)
        return [
            SimpleNamespace(pred_sem_seg=SimpleNamespace(
                data=one.argmax(0, keepdim=True))) for one in logits
        ]

    def forward(self, inputs, data_samples=None, mode='tensor'):
        return self.predict(inputs)


def test_mmseg_route_with_a_stand_in_package(tmp_path, monkeypatch):
    """Config resolution, init_model, weights-only checkpoint, BGR input."""
    package = tmp_path / 'mmseg'
    config = package / '.mim' / 'configs' / 'hrnet' / 'tiny.py'
    config.parent.mkdir(parents=True)
    config.write_text('model = dict(type="Fake")\n')
    calls = []

    def init_model(cfg, checkpoint=None, device='cuda:0', cfg_options=None):
        calls.append((cfg.model.type, checkpoint, device))
        init_default_scope('mmseg')  # as mmseg's init_model does
        return FakeMMSegSegmentor()

    mmseg = types.ModuleType('mmseg')
    mmseg.__file__ = str(package / '__init__.py')
    apis = types.ModuleType('mmseg.apis')
    apis.init_model = init_model
    mmseg.apis = apis
    monkeypatch.setitem(sys.modules, 'mmseg', mmseg)
    monkeypatch.setitem(sys.modules, 'mmseg.apis', apis)
    weights = FakeMMSegSegmentor().state_dict()
    weights['scale'] = torch.tensor([1., 1., 1.5])
    checkpoint = str(tmp_path / 'seg.pth')
    torch.save(dict(state_dict=weights, meta=dict(CLASSES=('a', 'b'))),
               checkpoint)

    segmenter = FrozenSegmenter(
        dict(config='mmseg::hrnet/tiny.py', checkpoint=checkpoint))
    red_then_grey = torch.tensor([[[200., 100.]], [[0., 100.]],
                                  [[0., 100.]]])  # RGB, (3, 1, 2)
    pred = segmenter.predict(red_then_grey, torch.device('cpu'))
    # red -> 0 (a BGR/RGB mix-up would give 2); grey -> 2 only with the
    # checkpoint's scale 1.5 on blue
    assert pred.tolist() == [[0, 2]]
    assert calls == [('Fake', None, 'cpu')]
    assert DefaultScope.get_current_instance().scope_name == 'mmagic'
    assert not segmenter.network.scale.requires_grad
    with pytest.raises(FileNotFoundError, match='does not ship'):
        FrozenSegmenter(dict(config='mmseg::none.py')).predict(
            red_then_grey, torch.device('cpu'))


def test_default_is_the_bundled_learned_segmenter_against_its_gt_map():
    from skimage import data
    metric = DownstreamSegmentationMetric(label_key=None)
    assert metric.num_classes == 21
    rgb = cv2.resize(data.chelsea(), (160, 104), interpolation=cv2.INTER_AREA)
    bgr = torch.from_numpy(rgb[..., ::-1].copy()).permute(2, 0, 1).float()
    noisy = (bgr + 60 * torch.randn(bgr.shape,
                                    generator=torch.Generator().manual_seed(0))
             ).clamp(0, 255)
    sample = dict(output=dict(pred_img=bgr), gt_img=bgr)
    metric.process({}, [sample])
    same = metric.evaluate(1)
    assert same == dict(PA=1.0, mIoU=1.0, mDice=1.0)  # restored == clean
    pred = metric.segmenter.predict(bgr.flip(0), torch.device('cpu'))
    assert (pred == 8).float().mean() > 0.5  # PASCAL's cat: learned
    metric.process({}, [dict(output=dict(pred_img=noisy), gt_img=bgr)])
    assert metric.evaluate(1)['PA'] < 1.0  # noise changes the semantics
