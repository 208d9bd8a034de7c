"""Lay Cityscapes-syn (rain-rendered Cityscapes) out as MMagic paired folders.

The paper's Cityscape-syn 100 mm / 200 mm (which it takes from SGINet, Wei
et al., ACM MM 2022) is read here as Cityscapes with physically rendered rain
of 100 or 200 mm/h (Halder et al., ICCV 2019; Tremblay et al., IJCV 2020),
released by those authors as ``weather_cityscapes``::

    weather_cityscapes/leftImg8bit/{train,val}/rain/<I>mm/rainy_image/
        <city>/<city>_<seq>_<frame>_leftImg8bit.png

with the file names of Cityscapes itself. The clean images and labels come
from Cityscapes (``leftImg8bit`` and ``gtFine``); the labels must be the
19-class ``*_gtFine_labelTrainIds.png`` maps, which cityscapesscripts'
``createTrainIdLabelImgs`` writes next to the released ``*_labelIds.png``.
Cityscapes ``train`` becomes ``train`` and ``val`` (where the paper
evaluates) becomes ``test``::

    <out>/{train,test}/lq/<city>_<seq>_<frame>.png    # rainy
    <out>/{train,test}/gt/<city>_<seq>_<frame>.png    # clean
    <out>/{train,test}/seg/<city>_<seq>_<frame>.png   # trainIds, 255 = void

Files are symlinked by default or copied. ``<out>/cityscapes_syn.json``
records the source, so a re-run finishes an interrupted one, skips what is in
place and never mixes another source in.
"""
import os
import os.path as osp
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

import cv2

from ..datasets.data_check import image_shape
from .dataset_manifest import DatasetManifest
from .file_placing import (is_written_file, place_all, place_file,
                           remove_extras, write_image)

MANIFEST_NAME = 'cityscapes_syn.json'
ROLES = ('lq', 'gt', 'seg')
# output split -> Cityscapes split
SPLITS = {'train': 'train', 'test': 'val'}
OFFICIAL_COUNTS = {'train': 2975, 'test': 500}
IMAGE_SUFFIX = '_leftImg8bit.png'
LABEL_SUFFIX = '_gtFine_labelTrainIds.png'
LABEL_IDS_SUFFIX = '_gtFine_labelIds.png'
TRAIN_ID_HINT = (
    'Create them with cityscapesscripts (pip install cityscapesscripts): '
    'CITYSCAPES_DATASET=<cityscapes root> csCreateTrainIdLabelImgs')


@dataclass(frozen=True)
class CityscapesSynSample:
    """One rainy image with its clean image and label map.

    Args:
        split (str): Output split, ``'train'`` or ``'test'``.
        name (str): Output file name, ``<city>_<seq>_<frame>.png``.
        lq (str): Rainy image.
        gt (str): Clean Cityscapes image.
        seg (str): Cityscapes trainIds label map.
    """
    split: str
    name: str
    lq: str
    gt: str
    seg: str


def find_rain_dir(rain_root: str, cs_split: str, intensity: int) -> str:
    """The ``rainy_image`` folder of one split and intensity.

    ``rain_root`` may be ``weather_cityscapes`` itself or a folder above it
    (``weather_datasets`` or its parent).

    Args:
        rain_root (str): Root of the extracted release.
        cs_split (str): Cityscapes split, ``'train'`` or ``'val'``.
        intensity (int): Rain rate in mm/h.

    Returns:
        str: The existing folder.
    """
    tail = osp.join('leftImg8bit', cs_split, 'rain', f'{intensity}mm',
                    'rainy_image')
    candidates = [
        osp.join(rain_root, tail),
        osp.join(rain_root, 'weather_cityscapes', tail),
        osp.join(rain_root, 'weather_datasets', 'weather_cityscapes', tail)
    ]
    for folder in candidates:
        if osp.isdir(folder):
            return folder
    hint = ''
    if cs_split == 'val':
        hint = (' The authors\' download script renders the train split; '
                'the val split is rendered with their dev-kit (see '
                'tools/dataset_converters/README.md).')
    raise FileNotFoundError(
        f'Cityscapes-syn {intensity} mm: expected the folder {candidates[0]} '
        f'(release layout weather_cityscapes/{tail}/<city>/'
        f'<name>{IMAGE_SUFFIX}).{hint}')


def _cityscapes_dir(cityscapes_root: str, kind: str, cs_split: str) -> str:
    folder = osp.join(cityscapes_root, kind, cs_split)
    if not osp.isdir(folder):
        raise FileNotFoundError(
            f'Cityscapes: expected the folder {folder} (the extracted '
            f'{kind}_trainvaltest.zip, i.e. {kind}/{cs_split}/<city>/...); '
            'point --cityscapes-root at the folder holding leftImg8bit/ and '
            'gtFine/')
    return folder


def list_cityscapes_syn(rain_root: str,
                        cityscapes_root: str,
                        intensity: int,
                        splits: Sequence[str] = ('train', 'test')
                        ) -> List[CityscapesSynSample]:
    """List the rainy images of the release with their clean image and label.

    Args:
        rain_root (str): Root of the extracted ``weather_cityscapes`` release.
        cityscapes_root (str): Cityscapes root (``leftImg8bit/``, ``gtFine/``).
        intensity (int): Rain rate in mm/h (the paper: 100 or 200).
        splits (Sequence[str]): Output splits to list.

    Returns:
        list[CityscapesSynSample]: Sorted by split and name.
    """
    samples = []
    for split in splits:
        if split not in SPLITS:
            raise ValueError(f'unknown split {split!r}; choose from '
                             f'{sorted(SPLITS)}')
        cs_split = SPLITS[split]
        rain_dir = find_rain_dir(rain_root, cs_split, intensity)
        clean_dir = _cityscapes_dir(cityscapes_root, 'leftImg8bit', cs_split)
        label_dir = _cityscapes_dir(cityscapes_root, 'gtFine', cs_split)
        found = []
        for city in sorted(os.listdir(rain_dir)):
            if not osp.isdir(osp.join(rain_dir, city)):
                continue
            for entry in sorted(os.listdir(osp.join(rain_dir, city))):
                if entry.endswith(IMAGE_SUFFIX):
                    found.append((city, entry[:-len(IMAGE_SUFFIX)]))
        if not found:
            raise FileNotFoundError(
                f'Cityscapes-syn {intensity} mm: no <city>/*{IMAGE_SUFFIX} '
                f'images in {rain_dir}')
        for city, stem in found:
            clean = osp.join(clean_dir, city, stem + IMAGE_SUFFIX)
            label = osp.join(label_dir, city, stem + LABEL_SUFFIX)
            if not osp.isfile(clean):
                raise FileNotFoundError(
                    f'{clean} is missing: the rainy image {stem} has no clean '
                    'Cityscapes image; is --cityscapes-root the full '
                    'leftImg8bit_trainvaltest release?')
            if not osp.isfile(label):
                label_ids = osp.join(label_dir, city, stem + LABEL_IDS_SUFFIX)
                hint = TRAIN_ID_HINT if osp.isfile(label_ids) else (
                    'Is --cityscapes-root the gtFine_trainvaltest release?')
                raise FileNotFoundError(
                    f'{label} is missing: the labels must be the 19-class '
                    f'trainId maps (*{LABEL_SUFFIX}). {hint}')
            samples.append(
                CityscapesSynSample(split, stem + '.png',
                                    osp.join(rain_dir, city,
                                             stem + IMAGE_SUFFIX), clean,
                                    label))
    return samples


def _shape(path: str) -> Tuple[int, int]:
    """(height, width) of an image file; raises when it is unreadable."""
    shape = image_shape(path)
    if shape is None:
        raise OSError(f'cannot read image {path}')
    return shape


def _target_shape(sample: CityscapesSynSample,
                 resize_to_lq: bool) -> Optional[Tuple[int, int]]:
    """(height, width) to resize the clean image and label to, or None to
    keep them."""
    lq_shape, gt_shape = _shape(sample.lq), _shape(sample.gt)
    if gt_shape == lq_shape:
        return None
    if not resize_to_lq:
        raise ValueError(
            f'{sample.lq} is {lq_shape[1]}x{lq_shape[0]} but its clean image '
            f'{sample.gt} is {gt_shape[1]}x{gt_shape[0]}; pass '
            '--resize-to-lq to write the clean images and labels at the '
            'rainy size')
    return lq_shape


def _place(src: str, dst: str, copy: bool,
           shape: Optional[Tuple[int, int]] = None,
           nearest: bool = False) -> bool:
    """Write ``dst`` from ``src`` unless it is in place; True if written.

    Args:
        src (str): Source file (absolute).
        dst (str): Output file.
        copy (bool): Copy instead of symlinking.
        shape (tuple, optional): (height, width) to resize to; the file is
            then re-encoded whatever ``copy`` says.
        nearest (bool): Resize with nearest neighbour (label maps).
    """
    if shape is None:
        return place_file(src, dst, copy)
    if is_written_file(dst) and image_shape(dst) == shape:
        return False  # a resized file written by us
    image = cv2.imread(src, cv2.IMREAD_UNCHANGED)
    write_image(
        dst,
        cv2.resize(image, shape[::-1],
                   interpolation=cv2.INTER_NEAREST
                   if nearest else cv2.INTER_AREA))
    return True


def prepare_cityscapes_syn(rain_root: str,
                           cityscapes_root: str,
                           out: str,
                           intensity: int,
                           copy: bool = False,
                           resize_to_lq: bool = False,
                           overwrite: bool = False,
                           splits: Sequence[str] = ('train', 'test'),
                           progress: bool = False) -> dict:
    """Write ``<out>/{train,test}/{lq,gt,seg}/<name>.png`` for one intensity.

    Idempotent: a re-run with the same arguments skips what is in place.
    Every rainy image must have the size of its clean image; if the rainy
    images were rendered smaller, ``resize_to_lq`` writes the clean images
    (area) and labels (nearest) resized to the rainy size instead of linking.

    Args:
        rain_root (str): Root of the extracted ``weather_cityscapes`` release.
        cityscapes_root (str): Cityscapes root (``leftImg8bit/``, ``gtFine/``).
        out (str): Output root, e.g. ``data/cityscapes_syn_100mm``.
        intensity (int): Rain rate in mm/h (the paper: 100 or 200).
        copy (bool): Copy files instead of symlinking them.
        resize_to_lq (bool): Resize clean images and labels to the rainy
            images' size where they differ (else that is an error).
        overwrite (bool): Replace an ``out`` made from another source.
        splits (Sequence[str]): Output splits to write.
        progress (bool): Show a progress bar.

    Returns:
        dict: ``out``, ``counts`` (samples per split), ``official_counts``,
        and the numbers of files ``written``, ``skipped`` and ``removed``.
    """
    rain_root, cityscapes_root = (osp.abspath(rain_root),
                                  osp.abspath(cityscapes_root))
    out = osp.abspath(out)
    samples = list_cityscapes_syn(rain_root, cityscapes_root, intensity,
                                  splits)  # checks the trees before writing
    shapes = [_target_shape(sample, resize_to_lq) for sample in samples]
    identity = dict(dataset='cityscapes_syn', intensity=intensity,
                    rain_root=rain_root, cityscapes_root=cityscapes_root,
                    mode='copy' if copy else 'symlink',
                    resize_to_lq=resize_to_lq, splits=sorted(splits))
    manifest = DatasetManifest(
        out, MANIFEST_NAME, identity,
        [osp.join(split, role) for split in SPLITS for role in ROLES])
    manifest.claim(overwrite)
    manifest.start()

    def place(item: Tuple[CityscapesSynSample, Optional[Tuple[int, int]]]
              ) -> Iterator[bool]:
        sample, shape = item
        for role, src, nearest in (('lq', sample.lq, False),
                                   ('gt', sample.gt, False),
                                   ('seg', sample.seg, True)):
            dst = osp.join(out, sample.split, role, sample.name)
            yield _place(src, dst, copy, None if role == 'lq' else shape,
                         nearest)

    written, skipped = place_all(list(zip(samples, shapes)), place, progress)
    removed = remove_extras({
        osp.join(out, split, role):
        {s.name for s in samples if s.split == split}
        for split in splits for role in ROLES
    })
    counts: Dict[str, int] = {
        split: sum(s.split == split for s in samples) for split in splits
    }
    manifest.finish(counts)
    return dict(out=out, counts=counts, official_counts=OFFICIAL_COUNTS,
                written=written, skipped=skipped, removed=removed)
