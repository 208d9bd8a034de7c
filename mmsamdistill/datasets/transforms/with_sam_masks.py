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
from typing import Callable, Dict, Iterable, List, Optional, Sequence

from mmagic.registry import TRANSFORMS
from mmcv.transforms import BaseTransform

from ...utils import type_name

__all__ = ['WithSAMMasks', 'add_sam_masks']

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
_DOES_NOT_KNOW = ('WithSAMMasks does not know whether it moves pixels or '
                 'changes their values only')


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
    """Applies the edit; its settings are those of :func:`add_sam_masks`.

    Two tables say how a transform config is converted, by type: ``always``
    whatever keys it names, ``if_gt`` only when it names the gt (others are
    left as they are). A transform that names the gt and is in neither
    cannot be followed.
    """

    def __init__(self, key: str, gt_key: str, geometric: Sequence[str],
                 photometric: Sequence[str]):
        self.key = key
        self.gt_key = gt_key
        self.geometric = tuple(geometric)
        self.photometric = tuple(photometric)
        self.always: Dict[str, Callable[[dict], List[dict]]] = {
            'PairedRandomCrop': self.crop_with_masks,
            'PairedRandomCropWithMasks': self.crop_with_masks,
            'PackInputs': self.pack,
            **dict.fromkeys(WRAPPERS, self.wrapper),
        }
        self.if_gt: Dict[str, Callable[[dict], List[dict]]] = {
            **dict.fromkeys(SHARED_DRAW, self.add_key),
            'Crop': self.centre_crop,
            'ModCrop': self.repeat,
            'CropLike': self.crop_like,
            'Resize': self.resize,
        }

    def convert(self, cfg: dict) -> List[dict]:
        """The transform configs that replace ``cfg``."""
        if not isinstance(cfg, dict):
            raise TypeError(
                'WithSAMMasks takes the pipeline as transform configs '
                f'(dicts), got {type(cfg).__name__}: {cfg!r}')
        cfg = copy.deepcopy(cfg)
        kind = type_name(cfg)
        # the caller's declarations come first, photometric before geometric
        if kind in self.photometric or (kind in PHOTOMETRIC
                                        and kind not in self.geometric):
            return [cfg]
        if kind in self.geometric:
            return self.declared_geometric(cfg)
        if kind in self.always:
            return self.always[kind](cfg)
        if self.gt_key not in _touched_keys(cfg):
            return [cfg]
        return self.if_gt.get(kind, self.cannot_follow)(cfg)

    def convert_list(self, pipeline: Iterable[dict]) -> List[dict]:
        out: List[dict] = []
        for cfg in pipeline:
            out += self.convert(cfg)
        return out

    def error(self, kind: str, why: str) -> ValueError:
        return ValueError(
            f"WithSAMMasks: the train pipeline's {kind} moves "
            f"'{self.gt_key}' but {why}, so the SAM masks could not stay "
            f'aligned with it. Remove it from the pipeline, or, if it is '
            f"safe for label maps, pass geometric=['{kind}'] (the mask key "
            "is added to its keys) or photometric=['"
            f"{kind}'] (left as is) to WithSAMMasks / add_sam_masks.")

    def cannot_follow(self, cfg: dict) -> List[dict]:
        kind = type_name(cfg)
        raise self.error(kind, UNSUPPORTED.get(kind, _DOES_NOT_KNOW))

    # -- the conversions --
    def add_key(self, cfg: dict) -> List[dict]:
        """One draw for all its keys: the masks join them."""
        cfg['keys'] = _with_key(cfg.get('keys', []), self.key)
        return [cfg]

    def repeat(self, cfg: dict) -> List[dict]:
        """Deterministic on one key: the same again on the masks."""
        return [cfg, dict(cfg, key=self.key)]

    def declared_geometric(self, cfg: dict) -> List[dict]:
        if 'keys' in cfg or type_name(cfg) in SHARED_DRAW:
            return self.add_key(cfg)
        if 'key' in cfg:
            return self.repeat(cfg)
        raise ValueError(
            f'WithSAMMasks: {type_name(cfg)} in geometric=[...] has no '
            "'keys' or 'key' argument to add the mask key to")

    def crop_with_masks(self, cfg: dict) -> List[dict]:
        """Same arguments; the crop cuts the masks from its own draw."""
        cfg['type'] = 'PairedRandomCropWithMasks'
        cfg['extra_keys'] = _with_key(cfg.get('extra_keys', []), self.key)
        return [cfg]

    def pack(self, cfg: dict) -> List[dict]:
        cfg['data_keys'] = _with_key(cfg.get('data_keys', []), self.key)
        return [cfg]

    def wrapper(self, cfg: dict) -> List[dict]:
        transforms = cfg.get('transforms', [])
        if type_name(cfg) == 'RandomChoice':  # a list of alternatives
            cfg['transforms'] = [
                self.convert_list(t if isinstance(t, list) else [t])
                for t in transforms
            ]
        else:
            cfg['transforms'] = self.convert_list(
                transforms if isinstance(transforms, list) else [transforms])
        return [cfg]

    def centre_crop(self, cfg: dict) -> List[dict]:
        if cfg.get('random_crop', True):
            return self.cannot_follow(cfg)
        return self.add_key(cfg)

    def crop_like(self, cfg: dict) -> List[dict]:
        if cfg.get('target_key') != self.gt_key:
            return self.cannot_follow(cfg)
        return [cfg, dict(cfg, target_key=self.key)]

    def resize(self, cfg: dict) -> List[dict]:
        if cfg.get('output_keys') and cfg['output_keys'] != cfg['keys']:
            raise self.error('Resize', 'writes to other output_keys')
        # deterministic: the same resize, nearest, keeps labels intact
        return [
            cfg,
            dict(cfg, keys=[self.key], output_keys=[self.key],
                 interpolation='nearest')
        ]


def _mask_load_index(pipeline: Sequence[dict], key: str,
                     image_key: str) -> int:
    """The index of the transform after which the masks are loaded (the
    load of ``image_key``), once ``pipeline`` is checked to take them."""
    for cfg in pipeline:
        if isinstance(cfg, dict) and key in _touched_keys(cfg) and type_name(
                cfg) in ('LoadSAMMask', 'GenerateCoordinateMap'):
            raise ValueError(
                f'The pipeline already adds {key!r} ({type_name(cfg)}); give '
                'WithSAMMasks the stock pipeline, without mask transforms')
    configs = [cfg for cfg in pipeline if isinstance(cfg, dict)]
    loads = [
        i for i, cfg in enumerate(pipeline)
        if isinstance(cfg, dict) and type_name(cfg) == 'LoadImageFromFile'
        and cfg.get('key', 'img') == image_key
    ]
    if not loads:
        raise ValueError(
            f"WithSAMMasks found no LoadImageFromFile(key='{image_key}') in "
            'the pipeline, so it does not know where to load the masks; '
            f'transforms: {[type_name(cfg) for cfg in configs]}')
    if not any(type_name(cfg) == 'PackInputs' for cfg in configs):
        raise ValueError('WithSAMMasks found no PackInputs in the pipeline '
                         'to pack the masks with')
    return loads[0]


def add_sam_masks(pipeline: Sequence[dict],
                  key: str = 'sam_mask',
                  image_key: str = 'gt',
                  gt_key: str = 'gt',
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
    load_at = _mask_load_index(pipeline, key, image_key)
    converter = _Converter(key, gt_key, geometric, photometric)
    out: List[dict] = []
    for index, cfg in enumerate(pipeline):
        out += converter.convert(cfg)
        if index == load_at:
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

    Attributes:
        pipeline (list[dict]): The configs of the transforms it runs (the
            stock pipeline with the masks added), e.g. to print them.
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

