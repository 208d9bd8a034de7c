"""Paths of the pretrained networks shipped in the repository's weights/."""
import os.path as osp
from typing import List

_PACKAGE_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: Where the bundled files are looked for, in order: the copy an installed
#: package ships in ``mmsamdistill/.mim/weights`` (a link in an editable
#: install) and the ``weights/`` folder of a source checkout.
WEIGHT_FOLDERS = (osp.join(_PACKAGE_ROOT, '.mim', 'weights'),
                  osp.join(osp.dirname(_PACKAGE_ROOT), 'weights'))

#: The bundled files and their SHA-256 (weights/README.md lists them too).
BUNDLED_SHA256 = {
    'mobilenet_v2_1.0_224_quant.tflite':
    '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
    'deeplabv3_mnv2_pascal_quant.tflite':
    '350af47fd346ea6d74b58833a351f583ba860e9806ec5bd292ff8d8f1f249398',
    'deeplabv3_mnv2_dm05_pascal_quant.tflite':
    '0470d2a782aa54eeeb99d32e7b6b3fb7722905c7c4f5d26bd957ec861366d48b',
    'imagenet_labels.txt':
    'b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1',
    'pascal_voc_segmentation_labels.txt':
    '7337a2b06728385fb3e1106416c67bfddf69628598b1f2f0db6a63cd63fb6b1e',
}


def bundled_weights(name: str) -> str:
    """Path of a file shipped in ``weights/`` (installed or checked out).

    Args:
        name (str): A key of :data:`BUNDLED_SHA256`, e.g.
            ``'mobilenet_v2_1.0_224_quant.tflite'``.

    Returns:
        str: The absolute path.

    Raises:
        ValueError: ``name`` is not a bundled file.
        FileNotFoundError: No copy of the file is in
            :data:`WEIGHT_FOLDERS`.
    """
    if name not in BUNDLED_SHA256:
        raise ValueError(f'{name!r} is not a bundled file; choose one of '
                         f'{sorted(BUNDLED_SHA256)}')
    for folder in WEIGHT_FOLDERS:
        path = osp.join(folder, name)
        if osp.isfile(path):
            return path
    raise FileNotFoundError(
        f'{name} is in none of {list(WEIGHT_FOLDERS)}: the bundled weights '
        'ship in the weights/ folder of mmsamdistill (a source checkout, or '
        'a package built from one, which copies it to .mim/weights); '
        'reinstall from a checkout, or pass the path of your own copy of '
        f'{name} instead')


def resolve_checkpoint(checkpoint: str) -> str:
    """A path as given, or the bundled file of that name.

    Args:
        checkpoint (str): A file path, or the bare name of a bundled file
            (:data:`BUNDLED_SHA256`).

    Returns:
        str: A path that exists.
    """
    if osp.isfile(checkpoint):
        return checkpoint
    if checkpoint in BUNDLED_SHA256:
        return bundled_weights(checkpoint)
    raise FileNotFoundError(f'{checkpoint} is neither a file nor a bundled '
                            f'network ({sorted(BUNDLED_SHA256)})')


def bundled_labels(name: str) -> List[str]:
    """Class names of a bundled label file, line ``i`` = class ``i``.

    Args:
        name (str): ``'imagenet_labels.txt'`` (1001 classes, 0 =
            background) or ``'pascal_voc_segmentation_labels.txt'`` (21).

    Returns:
        list[str]: The names, up to the file's first blank line (the PASCAL
        file ends with a note after one).
    """
    with open(bundled_weights(name), encoding='utf-8') as f:
        lines = f.read().splitlines()
    return lines[:lines.index('')] if '' in lines else lines
