"""PairedFID: the Frechet distance, the metric, its feature network."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmagic.registry import EVALUATORS, METRICS, MODELS

from mmsamdistill.evaluation.metrics import (FIDInceptionFeatures, PairedFID,
                                             frechet_distance, gaussian_stats)
from mmsamdistill.evaluation.metrics.weights_loading import load_pretrained

SEEN = []


@MODELS.register_module(force=True)
class MeanColourFeatures(nn.Module):
    """Features = the mean RGB colour in [0, 1] (no download, exact)."""

    def forward(self, images):
        SEEN.append(images)
        return images.mean(dim=(2, 3))


def test_frechet_distance_of_known_gaussians():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    cov = a @ a.T + np.eye(4)
    mean = rng.normal(size=4)
    assert frechet_distance(mean, cov, mean, cov) == pytest.approx(0, abs=1e-6)
    shift = np.array([1., -2., 0., 3.])
    assert frechet_distance(mean, cov, mean + shift, cov) == pytest.approx(
        shift @ shift)
    # diagonal covariances: sum of (sqrt(s1) - sqrt(s2))^2
    s1, s2 = np.array([1., 4., 9.]), np.array([4., 4., 1.])
    assert frechet_distance(np.zeros(3), np.diag(s1), np.zeros(3),
                            np.diag(s2)) == pytest.approx(1 + 0 + 4)
    # fewer samples than dimensions: singular covariances still work
    few = rng.normal(size=(3, 8))
    assert frechet_distance(*gaussian_stats(few), *gaussian_stats(few)) \
        == pytest.approx(0, abs=1e-4)


def constant_image(bgr):
    return torch.tensor(bgr, dtype=torch.float32).view(3, 1, 1).expand(
        3, 4, 6).clone()


def samples(colours, offset=0.):
    """Data samples whose restored image is the gt shifted by ``offset``."""
    return [
        dict(output=dict(pred_img=constant_image(c) + offset),
             gt_img=constant_image(c).to(torch.uint8), input=constant_image(c))
        for c in colours
    ]


def test_metric_against_hand_computation():
    rng = np.random.default_rng(1)
    colours = rng.integers(0, 200, size=(6, 3)).astype(np.float32)
    evaluator = EVALUATORS.build(
        dict(type='Evaluator', metrics=[
            dict(type='PairedFID',
                 feature_extractor=dict(type='MeanColourFeatures')),
            dict(type='PairedFID', fake_key='gt_img', prefix='NoRain',
                 feature_extractor=dict(type='MeanColourFeatures')),
        ]))
    SEEN.clear()
    batch = samples(colours, offset=30.)
    evaluator.process(batch[:4], None, evaluator.metrics)
    evaluator.process(batch[4:], None, evaluator.metrics)
    # the network sees RGB in [0, 1]: the first image's first channel is R,
    # which is the last of the BGR sample
    assert SEEN[0][0, :, 0, 0].tolist() == pytest.approx(
        ((colours[0] + 30) / 255)[::-1].tolist())
    results = evaluator.evaluate()
    # same covariance, means 30/255 apart in each of 3 channels
    assert results['FID'] == pytest.approx(3 * (30 / 255)**2, rel=1e-4)
    assert results['NoRain/FID'] == pytest.approx(0, abs=1e-8)


def test_metric_needs_two_samples_and_the_images():
    metric = METRICS.build(
        dict(type='PairedFID',
             feature_extractor=dict(type='MeanColourFeatures')))
    assert isinstance(metric, PairedFID)
    metric.process(None, samples([[1., 2., 3.]]))
    with pytest.raises(ValueError, match='at least 2'):
        metric.evaluate(1)
    with pytest.raises(KeyError, match="no image 'pred_img'"):
        metric.process(None, [dict(gt_img=constant_image([0, 0, 0]))])


def test_pretrained_loading_is_checked(tmp_path):
    net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
    wanted = {k: v + 1 for k, v in net.state_dict().items()}
    # an mmengine checkpoint of a DataParallel model
    torch.save({'state_dict': {f'module.{k}': v for k, v in wanted.items()},
                'meta': {'iter': 3}}, tmp_path / 'full.pth')
    load_pretrained(net, str(tmp_path / 'full.pth'))
    for key, value in net.state_dict().items():
        assert torch.equal(value, wanted[key])
    torch.save({'0.weight': torch.zeros(4, 3, 1, 1)}, tmp_path / 'part.pth')
    with pytest.raises(KeyError, match='missing'):
        load_pretrained(net, str(tmp_path / 'part.pth'))


def test_fid_inception_features_shape():
    """The default network (random weights here): 2048-d pool3 features."""
    net = FIDInceptionFeatures(pretrained=None)
    net.train()
    assert not net.training
    assert not any(p.requires_grad for p in net.parameters())
    with torch.no_grad():
        feats = net(torch.rand(1, 3, 32, 48))
    assert feats.shape == (1, 2048)
