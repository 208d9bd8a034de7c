"""Synthesise the degraded input of a sample from its ground truth.

Training on degradations drawn afresh at every call means that no degraded
image repeats across epochs, whatever the size of the clean set. The same
functions, given a seeded generator, write fixed test splits.
"""
import math
from typing import Dict, Optional, Tuple, Union

import cv2
import numpy as np
from mmagic.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

Range = Union[float, Tuple[float, float]]

# Parameter ranges per kind, drawn uniformly (a scalar fixes a parameter).
# Intensities are fractions of the image's value range; sigma is on 0-255.
DEGRADATION_RANGES: Dict[str, Dict[str, Range]] = dict(
    rain=dict(
        angle=(-30., 30.),  # degrees from vertical, one per image
        length=(8., 24.),  # streak length in pixels
        density=(0.002, 0.01),  # streak seeds per pixel
        intensity=(0.3, 0.85),  # peak brightness added
        width=(1., 2.),  # streak thickness in pixels (rounded)
    ),
    blur=dict(
        motion_prob=0.5,  # motion kernel with this probability, else Gauss
        length=(5., 15.),  # motion kernel length in pixels
        angle=(0., 180.),  # motion direction in degrees
        sigma=(0.8, 2.5),  # Gaussian kernel sigma in pixels
    ),
    noise=dict(sigma=(10., 40.)),  # Gaussian noise std on the 0-255 scale
)


def _draw(value: Range, rng: np.random.Generator) -> float:
    if isinstance(value, (tuple, list)):
        low, high = value
        return float(rng.uniform(low, high))
    return float(value)


def _line_kernel(length: int, angle: float, width: int = 1) -> np.ndarray:
    """An anti-aliased line through the centre of an odd-sized square."""
    size = length + 2 if length % 2 else length + 3
    kernel = np.zeros((size, size), np.float32)
    centre = (size - 1) / 2
    dx = math.sin(math.radians(angle)) * (length - 1) / 2
    dy = math.cos(math.radians(angle)) * (length - 1) / 2
    shift = 4  # sub-pixel precision of cv2.line
    scale = 1 << shift
    cv2.line(kernel, (round((centre - dx) * scale), round((centre - dy) *
                                                          scale)),
             (round((centre + dx) * scale), round((centre + dy) * scale)),
             1.0, max(1, width), cv2.LINE_AA, shift)
    return kernel


def add_rain_streaks(image: np.ndarray, rng: np.random.Generator,
                     max_value: float = 255., **ranges) -> Tuple[
                         np.ndarray, dict]:
    """Add bright slanted streaks: ``O = B + R`` (the Rain100/200 model).

    Args:
        image (np.ndarray): (H, W, C) float32 image on ``[0, max_value]``.
        rng (np.random.Generator): Source of the parameters and streaks.
        max_value (float): The value range. Defaults to 255.
        **ranges: Overrides of ``DEGRADATION_RANGES['rain']``.

    Returns:
        tuple[np.ndarray, dict]: The rainy image (float32, clipped) and the
        drawn parameters.
    """
    r = dict(DEGRADATION_RANGES['rain'], **ranges)
    params = dict(
        angle=_draw(r['angle'], rng), length=round(_draw(r['length'], rng)),
        density=_draw(r['density'], rng),
        intensity=_draw(r['intensity'], rng),
        width=round(_draw(r['width'], rng)))
    h, w = image.shape[:2]
    seeds = np.zeros((h, w), np.float32)
    count = max(1, int(round(h * w * params['density'])))
    seeds[rng.integers(0, h, count), rng.integers(0, w, count)] = \
        rng.uniform(0.5, 1.0, count).astype(np.float32)
    kernel = _line_kernel(max(2, params['length']), params['angle'],
                          params['width'])
    streaks = cv2.filter2D(seeds, -1, kernel, borderType=cv2.BORDER_REFLECT)
    streaks = np.clip(streaks, 0, 1)
    out = image + (max_value * params['intensity']) * streaks[..., None]
    return np.clip(out, 0, max_value), params


def add_blur(image: np.ndarray, rng: np.random.Generator,
             max_value: float = 255., **ranges) -> Tuple[np.ndarray, dict]:
    """Blur with a random linear motion kernel or a random Gaussian.

    Args:
        image (np.ndarray): (H, W, C) float32 image.
        rng (np.random.Generator): Source of the parameters.
        max_value (float): The value range (unused; for a common signature).
        **ranges: Overrides of ``DEGRADATION_RANGES['blur']``.

    Returns:
        tuple[np.ndarray, dict]: The blurred image and the parameters.
    """
    r = dict(DEGRADATION_RANGES['blur'], **ranges)
    if rng.uniform() < _draw(r['motion_prob'], rng):
        params = dict(kernel='motion', length=round(_draw(r['length'], rng)),
                      angle=_draw(r['angle'], rng))
        kernel = _line_kernel(max(2, params['length']), params['angle'])
    else:
        params = dict(kernel='gaussian', sigma=_draw(r['sigma'], rng))
        radius = max(1, math.ceil(3 * params['sigma']))
        line = cv2.getGaussianKernel(2 * radius + 1, params['sigma'],
                                     cv2.CV_32F)
        kernel = line @ line.T
    kernel = kernel / kernel.sum()
    out = cv2.filter2D(image, -1, kernel, borderType=cv2.BORDER_REFLECT)
    if out.ndim == 2:
        out = out[..., None]
    return np.clip(out, 0, max_value), params


def add_gaussian_noise(image: np.ndarray, rng: np.random.Generator,
                       max_value: float = 255., **ranges) -> Tuple[
                           np.ndarray, dict]:
    """Add i.i.d. Gaussian noise of a random sigma (on the 0-255 scale).

    Args:
        image (np.ndarray): (H, W, C) float32 image.
        rng (np.random.Generator): Source of sigma and the noise.
        max_value (float): The value range; sigma scales with it.
        **ranges: Overrides of ``DEGRADATION_RANGES['noise']``.

    Returns:
        tuple[np.ndarray, dict]: The noisy image and the parameters.
    """
    r = dict(DEGRADATION_RANGES['noise'], **ranges)
    params = dict(sigma=_draw(r['sigma'], rng))
    noise = rng.standard_normal(image.shape, dtype=np.float32)
    out = image + noise * (params['sigma'] * max_value / 255.)
    return np.clip(out, 0, max_value), params


DEGRADATION_FUNCTIONS = dict(
    rain=add_rain_streaks, blur=add_blur, noise=add_gaussian_noise)
#: The degradation kinds, in the order of ``DEGRADATION_FUNCTIONS``.
DEGRADATIONS = tuple(DEGRADATION_FUNCTIONS)


def synthesize_degradation(image: np.ndarray, kind: str,
                           rng: np.random.Generator,
                           max_value: float = 255.,
                           **ranges) -> Tuple[np.ndarray, dict]:
    """Degrade one image; the output keeps the input's dtype and shape.

    Args:
        image (np.ndarray): (H, W) or (H, W, C) image, uint8 or float on
            ``[0, max_value]``.
        kind (str): ``'rain'``, ``'blur'`` or ``'noise'``.
        rng (np.random.Generator): Source of every random draw.
        max_value (float): The value range. Defaults to 255.
        **ranges: Overrides of ``DEGRADATION_RANGES[kind]``; a (low, high)
            pair is drawn uniformly, a scalar is fixed.

    Returns:
        tuple[np.ndarray, dict]: The degraded image and the drawn parameters.
    """
    if kind not in DEGRADATION_FUNCTIONS:
        raise ValueError(f'kind must be one of {sorted(DEGRADATION_FUNCTIONS)}'
                         f', got {kind!r}')
    unknown = set(ranges) - set(DEGRADATION_RANGES[kind])
    if unknown:
        raise ValueError(f'unknown {kind} parameters {sorted(unknown)}; '
                         f'known: {sorted(DEGRADATION_RANGES[kind])}')
    squeeze = image.ndim == 2
    work = image.astype(np.float32)
    if squeeze:
        work = work[..., None]
    out, params = DEGRADATION_FUNCTIONS[kind](work, rng, max_value, **ranges)
    if squeeze:
        out = out[..., 0]
    if image.dtype == np.uint8:
        out = np.round(out).astype(np.uint8)
    else:
        out = out.astype(image.dtype)
    return out, params


@TRANSFORMS.register_module()
class SynthesizeDegradation(BaseTransform):
    """Make the degraded input ``results[out_key]`` from ``results[key]``.

    Each call draws fresh parameters (rain: streak angle, length, density,
    intensity and width; blur: a motion or a Gaussian kernel; noise: sigma),
    so no degraded image repeats across epochs. Without ``seed`` the draws
    come from NumPy's global generator, as MMagic's random transforms do:
    runs are reproducible under ``randomness.seed`` (MMEngine seeds every
    dataloader worker differently) and two configs with the same pipeline
    randomness see identical samples. With ``seed`` the transform owns a
    generator (reproducible on its own; each dataloader worker then holds a
    copy of the same stream, so use it with ``num_workers=0``).

    Place it after the ground truth is loaded and before flips and crops
    (blur and streaks are then computed away from the crop's borders)::

        dict(type='LoadImageFromFile', key='gt'),
        dict(type='SynthesizeDegradation', kind='rain'),

    Args:
        kind (str): ``'rain'``, ``'blur'`` or ``'noise'``.
        params (dict, optional): Overrides of the parameter ranges
            (``DEGRADATION_RANGES[kind]``): ``(low, high)`` or a fixed value.
        key (str): The clean image. Defaults to ``'gt'``.
        out_key (str): The degraded image written. Defaults to ``'img'``.
        seed (int, optional): Seed of an own generator (see above).
        max_value (float): The images' value range. Defaults to 255.
        params_key (str, optional): If set, the drawn parameters are stored
            under this results key (e.g. for inspection).
    """

    def __init__(self,
                 kind: str,
                 params: Optional[dict] = None,
                 key: str = 'gt',
                 out_key: str = 'img',
                 seed: Optional[int] = None,
                 max_value: float = 255.,
                 params_key: Optional[str] = None) -> None:
        if kind not in DEGRADATION_FUNCTIONS:
            raise ValueError(
                f'kind must be one of {sorted(DEGRADATION_FUNCTIONS)}, got '
                f'{kind!r}')
        self.kind = kind
        self.params = dict(params or {})
        unknown = set(self.params) - set(DEGRADATION_RANGES[kind])
        if unknown:
            raise ValueError(f'unknown {kind} parameters {sorted(unknown)}; '
                             f'known: {sorted(DEGRADATION_RANGES[kind])}')
        self.key = key
        self.out_key = out_key
        self.seed = seed
        self.max_value = max_value
        self.params_key = params_key
        self._rng = None if seed is None else np.random.default_rng(seed)

    def _generator(self) -> np.random.Generator:
        if self._rng is not None:
            return self._rng
        # One draw from the global state seeds this call's generator.
        return np.random.default_rng(np.random.randint(0, 2**31 - 1))

    def transform(self, results: dict) -> dict:
        """Add ``results[out_key]`` (same shape and dtype as the clean one)."""
        if self.key not in results:
            raise KeyError(f'SynthesizeDegradation needs {self.key!r}: load '
                           'it before this transform')
        image = results[self.key]
        degraded, params = synthesize_degradation(
            image, self.kind, self._generator(), self.max_value,
            **self.params)
        results[self.out_key] = degraded
        # Metadata the data preprocessor reads for the input image.
        for suffix in ('channel_order', 'color_type'):
            if f'{self.key}_{suffix}' in results:
                results[f'{self.out_key}_{suffix}'] = results[
                    f'{self.key}_{suffix}']
        results[f'ori_{self.out_key}_shape'] = degraded.shape
        if self.params_key:
            results[self.params_key] = dict(kind=self.kind, **params)
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(kind={self.kind!r}, '
                f'params={self.params!r}, key={self.key!r}, '
                f'out_key={self.out_key!r}, seed={self.seed!r})')
