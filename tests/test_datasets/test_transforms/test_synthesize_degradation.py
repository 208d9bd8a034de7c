"""SynthesizeDegradation: fresh parameters per call, seeded, every kind."""
import numpy as np
import pytest
from mmagic.registry import TRANSFORMS

from mmsamdistill.datasets.transforms.synthesize_degradation import (
    DEGRADATION_RANGES, synthesize_degradation)

KINDS = ('rain', 'blur', 'noise')


def photo(h=48, w=40):
    rng = np.random.default_rng(0)
    base = np.linspace(30, 200, h * w, dtype=np.float32).reshape(h, w)
    image = np.stack([base, base[::-1], base.T.reshape(h, w)], -1)
    return np.clip(image + rng.normal(0, 5, image.shape), 0, 255).astype(
        np.uint8)


def results(image):
    return dict(gt=image.copy(), gt_path='x.png', gt_channel_order='bgr',
                gt_color_type='color')


@pytest.mark.parametrize('kind', KINDS)
def test_each_kind_keeps_shape_dtype_and_degrades(kind):
    image = photo()
    transform = TRANSFORMS.build(dict(type='SynthesizeDegradation',
                                      kind=kind, params_key='deg'))
    np.random.seed(0)
    out = transform(results(image))
    assert out['img'].shape == image.shape and out['img'].dtype == np.uint8
    assert np.array_equal(out['gt'], image)  # the clean image is untouched
    assert not np.array_equal(out['img'], image)
    assert out['img_channel_order'] == 'bgr'
    assert out['ori_img_shape'] == image.shape
    assert out['deg']['kind'] == kind
    # float images stay float, gray images stay 2-D
    rng = np.random.default_rng(1)
    as_float, _ = synthesize_degradation(image.astype(np.float32), kind, rng)
    assert as_float.dtype == np.float32 and as_float.shape == image.shape
    assert 0 <= as_float.min() and as_float.max() <= 255
    gray, _ = synthesize_degradation(image[..., 0], kind, rng)
    assert gray.shape == image.shape[:2]


@pytest.mark.parametrize('kind', KINDS)
def test_fresh_parameters_every_call_and_reproducible_with_a_seed(kind):
    image = photo()
    transform = TRANSFORMS.build(dict(type='SynthesizeDegradation',
                                      kind=kind, params_key='deg'))
    np.random.seed(3)
    first = [transform(results(image)) for _ in range(4)]
    # every call draws new parameters and a new image
    assert len({str(r['deg']) for r in first}) == 4
    assert len({r['img'].tobytes() for r in first}) == 4
    # the global seed (what mmengine sets per worker) replays the stream
    np.random.seed(3)
    again = [transform(results(image)) for _ in range(4)]
    assert all(np.array_equal(a['img'], b['img'])
               for a, b in zip(first, again))
    # an own seed: reproducible regardless of the global state
    seeded = [TRANSFORMS.build(dict(type='SynthesizeDegradation', kind=kind,
                                    seed=7)) for _ in range(2)]
    np.random.seed(0)
    a = seeded[0](results(image))['img']
    np.random.seed(1)
    b = seeded[1](results(image))['img']
    assert np.array_equal(a, b)
    assert not np.array_equal(a, seeded[0](results(image))['img'])


def test_parameters_follow_their_ranges_and_overrides():
    image = photo(64, 64)
    for seed in range(20):
        rng = np.random.default_rng(seed)
        _, rain = synthesize_degradation(image, 'rain', rng)
        low, high = DEGRADATION_RANGES['rain']['angle']
        assert low <= rain['angle'] <= high
        _, blur = synthesize_degradation(image, 'blur', rng)
        assert blur['kernel'] in ('motion', 'gaussian')
    # a fixed noise sigma: the residual's std is that sigma
    noisy, params = synthesize_degradation(
        np.full((128, 128, 3), 128, np.uint8), 'noise',
        np.random.default_rng(0), sigma=20.)
    assert params['sigma'] == 20.
    assert np.std(noisy.astype(np.float32) - 128) == pytest.approx(20, rel=.05)
    # zero intensity: the streaks add nothing
    dry, _ = synthesize_degradation(image, 'rain', np.random.default_rng(0),
                                    intensity=0.)
    assert np.array_equal(dry, image)
    with pytest.raises(ValueError, match='unknown rain parameters'):
        TRANSFORMS.build(dict(type='SynthesizeDegradation', kind='rain',
                              params=dict(sigma=3)))
    with pytest.raises(ValueError, match='kind must be one of'):
        TRANSFORMS.build(dict(type='SynthesizeDegradation', kind='haze'))
    with pytest.raises(KeyError, match='load it before'):
        TRANSFORMS.build(dict(type='SynthesizeDegradation', kind='rain'))(
            dict(img=image))
