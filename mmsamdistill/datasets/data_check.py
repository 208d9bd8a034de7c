"""Check a dataset's files before training: name every bad file and the fix.

A stock pipeline meets a broken file only when it draws it -- maybe hours
into a run -- and then fails inside the image decoder without naming it.
These checks read each file's header and end (no decoding), so they are
cheap enough to run on every start.
"""
import difflib
import os
import os.path as osp
import struct
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Optional, Tuple

import cv2

_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_PNG_END = b'IEND\xaeB`\x82'
# The end chunk with its (empty) length field: a complete PNG's last bytes.
_PNG_END_CHUNK = b'\x00\x00\x00\x00' + _PNG_END
_JPEG_END = b'\xff\xd9'
_PATH_KEYS = ('img_path', 'gt_path')
#: How many files of one kind of problem a message names.
SHOWN = 5


class DataCheckError(ValueError):
    """A dataset holds files that cannot train or test correctly."""


def missing_folder_message(folder: str) -> str:
    """Why ``folder`` is not there, with the closest existing names."""
    missing = osp.normpath(folder)
    parent = osp.dirname(missing)
    while parent not in ('', osp.sep) and not osp.isdir(parent):
        missing, parent = parent, osp.dirname(parent)
    parent = parent or '.'
    hint = ''
    if osp.isdir(parent):
        siblings = [d for d in os.listdir(parent)
                    if osp.isdir(osp.join(parent, d))]
        close = difflib.get_close_matches(
            osp.basename(missing), siblings, n=3, cutoff=0.5)
        if close:
            hint = ' Did you mean ' + ' or '.join(
                repr(osp.join(parent, c)) for c in close) + '?'
    return (f'The data folder {folder} does not exist ({missing} is '
            f'missing).{hint} Check data_root and data_prefix in the config '
            '(or --cfg-options train_dataloader.dataset.data_root=...).')


def _holds_files(folder: str) -> bool:
    for _, _, names in os.walk(folder, followlinks=True):
        if any(not n.startswith('.') for n in names):
            return True
    return False


def dataset_folders(dataset_cfg: dict) -> List[str]:
    """The image folders a dataset config reads (``data_root`` joined with
    each ``data_prefix``); wrappers (``RepeatDataset``...) are followed."""
    if not isinstance(dataset_cfg, dict):
        return []
    inner = dataset_cfg.get('dataset')
    if isinstance(inner, dict):
        return dataset_folders(inner)
    if isinstance(dataset_cfg.get('datasets'), (list, tuple)):
        return [f for d in dataset_cfg['datasets'] for f in dataset_folders(d)]
    prefixes = dataset_cfg.get('data_prefix')
    if not isinstance(prefixes, dict):
        return []
    # A prefix nobody reads (e.g. the stock 'img' folder of a config that
    # synthesises its inputs from the gt) need not exist.
    read = loaded_keys(dataset_cfg.get('pipeline'))
    if read is not None:
        # MMagic's BasicImageDataset lists the files of its search key,
        # by default the first prefix.
        read.add(dataset_cfg.get('search_key') or next(iter(prefixes), None))
        prefixes = {k: v for k, v in prefixes.items() if k in read}
    root = dataset_cfg.get('data_root') or ''
    return sorted({
        osp.join(root, prefix)
        for prefix in prefixes.values() if isinstance(prefix, str) and prefix
    } | ({root} if root and not prefixes else set()))


def loaded_keys(pipeline) -> Optional[set]:
    """The keys a pipeline config loads from files (``Load*`` transforms'
    ``key``), wrapped pipelines included; None when it cannot be told."""
    if not isinstance(pipeline, (list, tuple)):
        return None
    keys = set()
    for step in pipeline:
        if not isinstance(step, dict):
            return None
        inner = step.get('pipeline')
        if isinstance(inner, (list, tuple)):
            inner_keys = loaded_keys(inner)
            if inner_keys is None:
                return None
            keys |= inner_keys
        elif str(step.get('type', '')).startswith('Load') and 'key' in step:
            keys.add(step['key'])
    return keys


def check_data_folders(cfg, dataloaders: Iterable[str]) -> None:
    """Raise ``FileNotFoundError`` for a config's misspelt or empty data
    folder.

    Runs before the runner builds the datasets: their own errors name the
    folder but not the fix, or (an empty folder) nothing at all
    (``need at least one array to concatenate``).

    Args:
        cfg (Config): The run's config.
        dataloaders (Iterable[str]): E.g. ``('train_dataloader',)``.
    """
    for name in dataloaders:
        loader = cfg.get(name)
        if not isinstance(loader, dict):
            continue
        for folder in dataset_folders(loader.get('dataset')):
            if '://' in folder:
                continue
            if not osp.isdir(folder):
                raise FileNotFoundError(
                    f'{name}: {missing_folder_message(folder)}')
            if not _holds_files(folder):
                raise FileNotFoundError(
                    f'{name}: the data folder {folder} is empty. Put the '
                    'images there (LQ and GT of a pair share a file name), '
                    'or point data_root / data_prefix at the folder that '
                    'holds them.')


def image_header(path: str) -> Tuple[Optional[dict], Optional[str]]:
    """Size, channels and depth of an image from its header and end.

    Args:
        path (str): An image file.

    Returns:
        tuple: ``(dict(size=(H, W), alpha=bool, bits=int), None)``, or
        ``(None, reason)`` when the file is unreadable or truncated.
    """
    try:
        with open(path, 'rb') as f:
            head = f.read(32)
            f.seek(0, os.SEEK_END)
            length = f.tell()
            f.seek(max(0, length - 64))
            tail = f.read()
    except OSError as err:
        return None, f'unreadable ({err.strerror})'
    if head.startswith(_PNG_SIGNATURE):
        if len(head) < 26 or head[12:16] != b'IHDR':
            return None, 'truncated'
        if _PNG_END not in tail[-12:]:
            return None, 'truncated'
        width, height = struct.unpack('>II', head[16:24])
        bits, colour = head[24], head[25]
        return dict(size=(height, width), alpha=colour in (4, 6),
                    bits=bits), None
    if head.startswith(b'\xff\xd8') and _JPEG_END not in tail:
        return None, 'truncated'
    try:
        from PIL import Image
        with Image.open(path) as image:
            width, height = image.size
            mode = image.mode
            bits = 16 if mode.startswith('I;16') or mode == 'I' else 8
            alpha = 'A' in mode or 'transparency' in image.info
            if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                width, height = height, width
    except Exception as err:
        return None, f'not a readable image ({type(err).__name__})'
    return dict(size=(height, width), alpha=alpha, bits=bits), None


def image_shape(path: str) -> Optional[Tuple[int, int]]:
    """(height, width) of an image file, read from its header.

    The order is that of ``ndarray.shape``, and EXIF orientation is applied
    as ``cv2.imread`` applies it, so the size is that of the decoded image;
    None when the file is unreadable.
    """
    try:
        from PIL import Image
        with Image.open(path) as image:
            width, height = image.size
            if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):
                width, height = height, width
            return height, width
    except Exception:
        image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        return None if image is None else image.shape[:2]


def mask_problem(mask_path: str, image_path: str,
                 decode: bool = False) -> Optional[str]:
    """What is wrong with an existing mask file, or None if it is fine.

    The default check is cheap (no decoding): the PNG header says a
    single-channel image of its image's size and the file ends with the PNG
    end chunk (a truncated copy does not). ``decode`` also reads every pixel.

    Args:
        mask_path (str): The label map.
        image_path (str): The image it was computed from.
        decode (bool): Decode the whole file. Defaults to False.

    Returns:
        str | None: A short reason (``'truncated'``, ``'32x32, its image is
        64x64'``...), or None.
    """
    try:
        with open(mask_path, 'rb') as f:
            head = f.read(26)
            f.seek(0, os.SEEK_END)
            if f.tell() < 45:
                return 'truncated'
            f.seek(-12, os.SEEK_END)
            tail = f.read(12)
    except OSError as err:
        return f'unreadable ({err.strerror})'
    if head[:8] != _PNG_SIGNATURE or head[12:16] != b'IHDR':
        return 'not a PNG file'
    if tail != _PNG_END_CHUNK:
        return 'truncated'
    width, height = struct.unpack('>II', head[16:24])
    if head[25] != 0:  # PNG colour type 0: grayscale
        return 'not a single-channel label map'
    size = image_shape(image_path)
    if size is not None and size != (height, width):
        return (f'{height}x{width}, its image is {size[0]}x{size[1]}')
    if decode:
        label_map = cv2.imread(mask_path, cv2.IMREAD_UNCHANGED)
        if label_map is None or label_map.shape[:2] != (height, width):
            return 'corrupt (cannot be decoded)'
    return None


def _pipeline_transforms(pipeline) -> List:
    """The transforms of a dataset's pipeline, wrappers unpacked."""
    found = []
    for transform in getattr(pipeline, 'transforms', None) or []:
        found.append(transform)
        found += _pipeline_transforms(transform)
    return found


def _named(paths: List[str], why: str) -> str:
    more = f' and {len(paths) - SHOWN} more' if len(paths) > SHOWN else ''
    return f'{len(paths)} {why}: {", ".join(paths[:SHOWN])}{more}'


def check_dataset(dataset, name: str = 'dataset') -> List[str]:
    """Check the files of an MMagic image dataset before it is used.

    Errors (raised together): no samples (with the folders it read), an
    unreadable or truncated image, an LQ/GT pair whose sizes are not the
    dataset's common scale, an alpha or 16-bit image that the pipeline
    loads ``color_type='unchanged'``, and -- with ``LoadSAMMask`` in the
    pipeline -- a mask cache that lacks masks or holds masks of other images
    (another size, unreadable). Alpha and 16-bit images under the stock
    ``color_type='color'`` load as 8-bit, 3-channel images (the alpha
    channel is dropped, 16 bits are divided by 256): they are returned as
    notes.

    Args:
        dataset: A built dataset (``BasicImageDataset`` or similar).
        name (str): How messages name it (``'train_dataloader'``).

    Returns:
        list[str]: Notes for the log.

    Raises:
        DataCheckError: Everything wrong, each with its files and the fix.
    """
    count = len(dataset)
    if count == 0:
        raise _no_samples_error(dataset, name)
    transforms = _pipeline_transforms(getattr(dataset, 'pipeline', None))
    image_loads = [
        t for t in transforms if type(t).__name__ == 'LoadImageFromFile'
    ]
    unchanged = {
        getattr(t, 'key', None)
        for t in image_loads if getattr(t, 'color_type', 'color') ==
        'unchanged'
    }
    mask_loaders = [t for t in transforms if type(t).__name__ ==
                    'LoadSAMMask']
    # Only the images the pipeline loads (a config that synthesises its
    # inputs from the gt keeps an unread 'img' path per sample).
    loaded = {getattr(t, 'key', None) for t in image_loads}
    path_keys = [k for k in _PATH_KEYS
                 if not loaded or k[:-len('_path')] in loaded]
    problems: Dict[str, List[str]] = defaultdict(list)
    notes: Dict[str, List[str]] = defaultdict(list)
    headers: Dict[str, Optional[dict]] = {}
    scales = {}
    for index in range(count):
        info = dataset.get_data_info(index)
        _check_images(info, path_keys, unchanged, headers, problems, notes)
        lq, gt = (headers.get(info.get(k)) for k in _PATH_KEYS)
        if lq and gt and info['img_path'] != info['gt_path']:
            (lh, lw), (gh, gw) = lq['size'], gt['size']
            scales[(info['img_path'], info['gt_path'])] = (gh / lh, gw / lw)
        for loader in mask_loaders:
            _check_mask(loader, info, headers, problems)
    _check_scales(scales, problems)
    if problems:
        raise DataCheckError(
            f'{name}: {sum(map(len, problems.values()))} problems in its '
            f'{count} samples:\n  ' + '\n  '.join(
                _named(paths, why) for why, paths in problems.items()) +
            '\n' + _FIXES)
    return [
        f'{name}: ' + _named(paths, f'images {what}') + ' are read as 8-bit '
        '3-channel images (color_type=\'color\': an alpha channel is '
        'dropped, 16-bit values are divided by 256)'
        for what, paths in notes.items()
    ]


def _no_samples_error(dataset, name: str) -> DataCheckError:
    """The error for an empty dataset, naming the folders it read."""
    root = getattr(dataset, 'data_root', '') or ''
    prefixes = getattr(dataset, 'data_prefix', {}) or {}
    folders = sorted({osp.join(root, p) for p in prefixes.values() if p})
    return DataCheckError(
        f'{name}: the dataset has no samples (it read '
        f'{", ".join(folders) or root or "nothing"}). Put the images '
        'there (LQ and GT pairs share a file name), or point data_root '
        '/ data_prefix at the folder that holds them.')


def _check_images(info: dict, path_keys: List[str], unchanged: set,
                  headers: Dict[str, Optional[dict]],
                  problems: Dict[str, List[str]],
                  notes: Dict[str, List[str]]) -> None:
    """Read the headers of one sample's images (each file once, kept in
    ``headers``) and add what is wrong to ``problems`` or ``notes``."""
    for key in path_keys:
        path = info.get(key)
        if not isinstance(path, str) or path in headers:
            continue
        header, reason = image_header(path)
        headers[path] = header
        if header is None:
            problems[reason].append(path)
            continue
        image_key = key[:-len('_path')]
        for flag, what in ((header['alpha'], 'with an alpha channel'),
                           (header['bits'] > 8, '16-bit')):
            if not flag:
                continue
            if image_key in unchanged:
                problems[f'{what} images loaded with '
                         "color_type='unchanged'"].append(path)
            else:
                notes[what].append(path)


def _check_mask(loader, info: dict, headers: Dict[str, Optional[dict]],
                problems: Dict[str, List[str]]) -> None:
    """Add a missing or unfitting mask of one sample to ``problems``."""
    image_path = info.get(f'{loader.image_key}_path')
    if not isinstance(image_path, str) or headers.get(image_path) is None:
        return
    mask = loader.mask_path(image_path, info.get('key'))
    if not osp.isfile(mask):
        if loader.on_missing == 'error':
            problems['SAM masks missing'].append(mask)
        return
    reason = mask_problem(mask, image_path)
    if reason is not None:
        problems['SAM masks that do not fit their image '
                 f'(e.g. {reason})'].append(mask)


def _check_scales(scales: Dict[Tuple[str, str], Tuple[float, float]],
                  problems: Dict[str, List[str]]) -> None:
    """Add LQ/GT pairs whose scale is not the dataset's common one."""
    common = Counter(scales.values()).most_common(1)
    if not common:
        return
    usual = common[0][0]
    for (lq_path, gt_path), scale in scales.items():
        if scale != usual or scale[0] != int(scale[0]):
            problems['LQ/GT pairs of different sizes (LQ:GT '
                     f'{scale[0]:g}x{scale[1]:g}, the dataset\'s is '
                     f'{usual[0]:g}x{usual[1]:g})'].append(
                         f'{lq_path} vs {gt_path}')


_FIXES = (
    'Fixes: replace or re-export unreadable and truncated images (or '
    'remove them from the folder); give each LQ image its GT of the same '
    'size (times the scale for super-resolution); load alpha or 16-bit '
    "images with color_type='color'; for SAM masks, rerun "
    'tools/misc/generate_sam_masks.py on these images (--verify redoes bad '
    'masks, --overwrite all of them).')
