"""Give any stock MMagic train pipeline the SAM masks, as one transform.

``WithSAMMasks(pipeline=<the stock train pipeline>)`` is the recipe's
pipeline: it loads the masks after the ground truth, moves them with every
geometric transform that moves the ground truth, crops them with it and
packs them, so a child config needs no knowledge of the stock pipeline::

    train_dataloader = dict(dataset=dict(pipeline=[dict(
        type='WithSAMMasks',
        pipeline=_base_.train_dataloader.dataset.pipeline)]))

:func:`add_sam_masks` is the same edit as a function of the list of transform
configs (for pure-Python configs, or to print what the wrapper runs).
"""
import copy
from typing import Dict, Iterable, List, Optional, Sequence, Union

from mmagic.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

# One random draw (or none) for all their ``keys``, no interpolation: the
# mask key is added to ``keys``.
SHARED_DRAW = ('Flip', 'RandomTransposeHW', 'FixedCrop', 'CenterCropLongEdge',
               'NumpyPad')
# Change pixel values only, or add keys; never move the ground truth's
# pixels. Left as they are.
PHOTOMETRIC = (
    'LoadImageFromFile', 'SetValues', 'CopyValues', 'RandomNoise',
    'RandomBlur', 'RandomJPEGCompression', 'RandomVideoCompression',
    'DegradationsWithShuffle', 'UnsharpMasking', 'Clip', 'ColorJitter',
    'Normalize', 'RescaleToZeroOne', 'BinarizeImage', 'AlbuCorruptFunction',
    'GenerateCoordinateMap', 'SynthesizeDegradation', 'ToTensor',
    'ImageToTensor')
# Move the ground truth in a way a label map cannot follow exactly.
UNSUPPORTED = {
    'RandomRotation': 'rotates with bilinear interpolation, which blends '
    'labels',
    'RandomAffine': 'warps with interpolation, which blends labels',
    'RandomResizedCrop': 'resizes with interpolation after a random crop',
    'RandomCropLongEdge': 'draws a separate crop for every key',
    'Crop': 'with random_crop=True draws a separate crop for every key',
    'MATLABLikeResize': 'resizes with bicubic interpolation',
    'RandomDownSampling': 'crops and resizes the ground truth at random',
}
# mmcv wrappers whose inner transforms are converted the same way.
WRAPPERS = ('RandomApply', 'RandomChoice', 'Compose')


def _type(cfg: dict) -> str:
    kind = cfg.get('type')
    if isinstance(kind, type):
        return kind.__name__
    return str(kind).split('.')[-1]


def _key_list(value) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def _touched_keys(cfg: dict) -> List[str]:
    """Result keys a transform config names (``key``, ``keys``, ``*_key``)."""
    keys: List[str] = []
    for name, value in cfg.items():
        if name in ('key', 'keys') or name.endswith(('_key', '_keys')):
            keys += _key_list(value)
    return keys


def _with_key(keys, key: str) -> list:
    keys = _key_list(keys)
    return keys if key in keys else keys + [key]


class _Converter:
    """Applies the edit; its settings are those of :func:`add_sam_masks`."""

    def __init__(self, key: str, gt_key: str, lq_key: str,
                 geometric: Sequence[str], photometric: Sequence[str]):
        self.key = key
        self.gt_key = gt_key
        self.lq_key = lq_key
        self.geometric = tuple(geometric)
        self.photometric = tuple(photometric)

    def error(self, kind: str, why: str) -> ValueError:
        return ValueError(
            f"WithSAMMasks: the train pipeline's {kind} moves "
            f"'{self.gt_key}' but {why}, so the SAM masks could not stay "
            f'aligned with it. Remove it from the pipeline, or, if it is '
            f"safe for label maps, pass geometric=['{kind}'] (the mask key "
            "is added to its keys) or photometric=['"
            f"{kind}'] (left as is) to WithSAMMasks / add_sam_masks.")

    def convert(self, cfg: dict) -> List[dict]:
        """The transform configs that replace ``cfg``."""
        if not isinstance(cfg, dict):
            raise TypeError(
                'WithSAMMasks takes the pipeline as transform configs '
                f'(dicts), got {type(cfg).__name__}: {cfg!r}')
        cfg = copy.deepcopy(cfg)
        kind = _type(cfg)
        touched = self.gt_key in _touched_keys(cfg)
        if kind in self.photometric or (kind in PHOTOMETRIC
                                        and kind not in self.geometric):
            return [cfg]
        if kind in self.geometric or (kind in SHARED_DRAW and touched):
            if 'keys' in cfg or kind in SHARED_DRAW:
                cfg['keys'] = _with_key(cfg.get('keys', []), self.key)
            elif 'key' in cfg:
                return [cfg, dict(cfg, key=self.key)]
            else:
                raise ValueError(
                    f"WithSAMMasks: {kind} in geometric=[...] has no 'keys' "
                    "or 'key' argument to add the mask key to")
            return [cfg]
        if kind in ('PairedRandomCrop', 'PairedRandomCropWithMasks'):
            cfg['type'] = 'PairedRandomCropWithMasks'
            cfg['extra_keys'] = _with_key(cfg.get('extra_keys', []),
                                          self.key)
            return [cfg]
        if kind == 'PackInputs':
            cfg['data_keys'] = _with_key(cfg.get('data_keys', []), self.key)
            return [cfg]
        if kind in WRAPPERS:
            return [self.convert_wrapper(cfg)]
        if not touched:
            return [cfg]
        if kind == 'Crop' and not cfg.get('random_crop', True):
            cfg['keys'] = _with_key(cfg['keys'], self.key)
            return [cfg]
        if kind == 'ModCrop':
            return [cfg, dict(cfg, key=self.key)]
        if kind == 'CropLike' and cfg.get('target_key') == self.gt_key:
            return [cfg, dict(cfg, target_key=self.key)]
        if kind == 'Resize':
            if cfg.get('output_keys') and cfg['output_keys'] != cfg['keys']:
                raise self.error(kind, 'writes to other output_keys')
            # deterministic: the same resize, nearest, keeps labels intact
            return [
                cfg,
                dict(cfg, keys=[self.key], output_keys=[self.key],
                     interpolation='nearest')
            ]
        if kind in UNSUPPORTED:
            raise self.error(kind, UNSUPPORTED[kind])
        raise self.error(kind, 'WithSAMMasks does not know whether it moves '
                         'pixels or changes their values only')

    def convert_wrapper(self, cfg: dict) -> dict:
        transforms = cfg.get('transforms', [])
        if _type(cfg) == 'RandomChoice':
            cfg['transforms'] = [
                self.convert_list(t if isinstance(t, list) else [t])
                for t in transforms
            ]
        else:
            cfg['transforms'] = self.convert_list(
                transforms if isinstance(transforms, list) else [transforms])
        return cfg

    def convert_list(self, pipeline: Iterable[dict]) -> List[dict]:
        out: List[dict] = []
        for cfg in pipeline:
            out += self.convert(cfg)
        return out


def add_sam_masks(pipeline: Sequence[dict],
                  key: str = 'sam_mask',
                  image_key: str = 'gt',
                  gt_key: str = 'gt',
                  lq_key: str = 'img',
                  loader: Optional[dict] = None,
                  geometric: Sequence[str] = (),
                  photometric: Sequence[str] = (),
                  **load_args) -> List[dict]:
    """A train pipeline with SAM masks loaded, moved with the gt and packed.

    The edit, on a copy of ``pipeline`` (a list of transform configs):

    1. ``loader`` (default ``LoadSAMMask(key=key, image_key=image_key,
       **load_args)``) right after the transform that loads ``image_key``;
    2. ``key`` added to the ``keys`` of every transform that moves the gt
       with one draw for all its keys (``Flip``, ``RandomTransposeHW``,
       ``FixedCrop``, ``CenterCropLongEdge``, ``NumpyPad``, a centre
       ``Crop``, and the names in ``geometric``); a deterministic ``Resize``
       or ``ModCrop`` / ``CropLike`` of the gt is repeated for the masks
       (nearest);
    3. ``PairedRandomCrop`` replaced by :class:`PairedRandomCropWithMasks`
       with the same arguments (it crops the masks from its own draw);
    4. ``key`` added to ``PackInputs``' ``data_keys``.

    Degradations and colour transforms are left as they are. A transform
    that moves the gt in a way masks cannot follow (random rotation,
    random resized crop, ...) or that this function does not know is an
    error naming it.

    Args:
        pipeline (Sequence[dict]): The stock train pipeline.
        key (str): Results key of the masks. Defaults to ``'sam_mask'``.
        image_key (str): The image the masks were computed on; they are
            loaded right after it. Defaults to ``'gt'``.
        gt_key (str): The ground truth's key. Defaults to ``'gt'``.
        lq_key (str): The degraded image's key. Defaults to ``'img'``.
        loader (dict, optional): Another transform that adds ``key`` (e.g.
            ``dict(type='GenerateCoordinateMap', key='coords')`` for online
            masks); ``load_args`` then must be empty.
        geometric (Sequence[str]): More transform types that move all their
            ``keys`` with one draw, without interpolation.
        photometric (Sequence[str]): More transform types to leave as they
            are.
        **load_args: ``LoadSAMMask`` arguments (``mask_root``,
            ``on_missing``, ``expected_meta``, ...).

    Returns:
        list[dict]: The new pipeline.
    """
    pipeline = list(pipeline)
    if loader is None:
        loader = dict(type='LoadSAMMask', key=key, image_key=image_key,
                      **load_args)
    elif load_args:
        raise TypeError(f'LoadSAMMask arguments {sorted(load_args)} given '
                        'with another loader')
    for cfg in pipeline:
        if isinstance(cfg, dict) and key in _touched_keys(cfg) and _type(
                cfg) in ('LoadSAMMask', 'GenerateCoordinateMap'):
            raise ValueError(
                f'The pipeline already adds {key!r} ({_type(cfg)}); give '
                'WithSAMMasks the stock pipeline, without mask transforms')
    loads = [
        i for i, cfg in enumerate(pipeline)
        if isinstance(cfg, dict) and _type(cfg) == 'LoadImageFromFile'
        and cfg.get('key', 'img') == image_key
    ]
    if not loads:
        raise ValueError(
            f"WithSAMMasks found no LoadImageFromFile(key='{image_key}') in "
            'the pipeline, so it does not know where to load the masks; '
            'transforms: '
            f'{[_type(c) for c in pipeline if isinstance(c, dict)]}')
    if not any(isinstance(c, dict) and _type(c) == 'PackInputs'
               for c in pipeline):
        raise ValueError('WithSAMMasks found no PackInputs in the pipeline '
                         'to pack the masks with')
    converter = _Converter(key, gt_key, lq_key, geometric, photometric)
    out: List[dict] = []
    for index, cfg in enumerate(pipeline):
        out += converter.convert(cfg)
        if index == loads[0]:
            out.append(copy.deepcopy(loader))
    return out


@TRANSFORMS.register_module()
class WithSAMMasks(BaseTransform):
    """Run a stock train pipeline with the SAM masks added to it.

    Build-time wrapper around :func:`add_sam_masks`: give it the stock
    pipeline as it is, as the only transform of the dataset's pipeline.

    Args:
        pipeline (Sequence[dict]): The stock train pipeline (configs).
        **kwargs: Arguments of :func:`add_sam_masks` (``key``,
            ``image_key``, ``geometric``, ...) and of ``LoadSAMMask``
            (``mask_root``, ``on_missing``, ...).
    """

    def __init__(self, pipeline: Sequence[dict], **kwargs) -> None:
        self.pipeline: List[dict] = add_sam_masks(pipeline, **kwargs)
        self.transforms = [TRANSFORMS.build(cfg) for cfg in self.pipeline]

    def transform(self, results: Dict) -> Optional[Dict]:
        """Apply the converted pipeline; None if a transform drops the
        sample (as ``Compose``)."""
        for transform in self.transforms:
            results = transform(results)
            if results is None:
                return None
        return results

    def __repr__(self) -> str:
        inner = ',\n    '.join(repr(t) for t in self.transforms)
        return f'{self.__class__.__name__}([\n    {inner}])'


def expanded_pipeline(pipeline: Sequence[Union[dict, BaseTransform]]
                      ) -> List[dict]:
    """A dataset pipeline's configs with ``WithSAMMasks`` expanded (for
    printing and for error messages)."""
    out: List[dict] = []
    for cfg in pipeline:
        if isinstance(cfg, dict) and _type(cfg) == 'WithSAMMasks':
            args = {k: v for k, v in cfg.items() if k != 'type'}
            out += add_sam_masks(args.pop('pipeline'), **args)
        else:
            out.append(cfg)
    return out
