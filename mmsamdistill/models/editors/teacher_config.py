"""IR2's config and the image channels, derived from the stock generator.

``CascadeDistillRestorer`` calls these when the config leaves them unset:

* :func:`same_size_teacher` -- IR2 maps HR -> HR (a same-size network,
  never a second upscaler): for a restoration generator (same size in and
  out) a copy of it; for an upscaling one the same architecture at scale 1
  where the generator supports it, otherwise a documented same-size
  generator (the table ``SR_TEACHERS`` below). The message it returns says what was chosen.
* :func:`infer_image_channels` -- the generator's input channels, checked
  against the preprocessor's ``mean``/``std``.
* :func:`teacher_size_error` -- the text of the error raised when IR2's
  output does not have the ground truth's size.
"""
import copy
import inspect
from typing import Any, Callable, Dict, Optional, Sequence, Tuple

from mmagic.registry import MODELS

from ...utils import type_name

# Argument names under which MMagic's (and our) generators take the number of
# input image channels, in the order they are looked up.
CHANNEL_ARGS = ('in_channels', 'in_chans', 'inp_channels', 'img_channels',
                'input_channels', 'in_ch', 'num_in_ch')
# ... and of output channels, where a generator names them apart.
OUT_CHANNEL_ARGS = ('out_channels', 'out_chans', 'num_out_ch')
# Argument names of the upscaling factor.
SCALE_ARGS = ('upscale_factor', 'upscale', 'scale')
# SwinIR's reconstruction modules that upscale; '' is the same-size
# (denoising / JPEG) head whatever ``upscale`` says.
SWINIR_UPSAMPLERS = ('pixelshuffle', 'pixelshuffledirect', 'nearest+conv')

def _defaults(cfg: dict) -> Dict[str, Any]:
    """The constructor defaults of the generator's class ({} if unknown)."""
    kind = cfg.get('type')
    cls = kind if isinstance(kind, type) else MODELS.get(kind)
    if cls is None:
        return {}
    try:
        params = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return {}
    empty = inspect.Parameter.empty
    return {
        name: p.default
        for name, p in params.items() if p.default is not empty
    }


def _arg(cfg: dict, names: Sequence[str]) -> Tuple[Optional[str], Any]:
    """The first of ``names`` set in ``cfg`` or defaulted by its class."""
    defaults = None
    for name in names:
        if name in cfg:
            return name, cfg[name]
    defaults = _defaults(cfg)
    for name in names:
        if name in defaults:
            return name, defaults[name]
    return None, None


def upscale_factor(generator_cfg: dict) -> int:
    """How much the generator enlarges its input (1 = same size).

    Args:
        generator_cfg (dict): The stock model's ``generator``.

    Returns:
        int: The scale; 1 for restoration generators.
    """
    if type_name(generator_cfg) == 'SwinIRNet':
        _, upsampler = _arg(generator_cfg, ['upsampler'])
        if upsampler not in SWINIR_UPSAMPLERS:
            return 1
    _, scale = _arg(generator_cfg, SCALE_ARGS)
    if isinstance(scale, (int, float)) and scale > 1:
        return int(scale)
    return 1


def _at_scale_1(arg: str) -> Callable[[dict], Tuple[dict, str]]:
    """The generator itself, built with ``arg=1``."""

    def make(cfg: dict) -> Tuple[dict, str]:
        teacher = copy.deepcopy(cfg)
        teacher[arg] = 1
        return teacher, f'the same architecture at {arg}=1'

    return make


def _swinir_same_size(cfg: dict) -> Tuple[dict, str]:
    teacher = copy.deepcopy(cfg)
    scale = upscale_factor(cfg)
    teacher.update(upscale=1, upsampler='')
    _, img_size = _arg(cfg, ['img_size'])
    if isinstance(img_size, int):
        teacher['img_size'] = img_size * scale  # IR2 sees HR patches
    return teacher, ("the same architecture at upscale=1 with SwinIR's "
                     "same-size head (upsampler='', as its denoising models)")


def _edsr_trunk(cfg: dict, blocks_arg: str = 'num_blocks') -> Tuple[dict, str]:
    """EDSRNet at scale 1 with the generator's width, depth and channels."""
    _, in_channels = _arg(cfg, ['in_channels'])
    _, out_channels = _arg(cfg, ['out_channels'])
    _, mid_channels = _arg(cfg, ['mid_channels'])
    _, num_blocks = _arg(cfg, [blocks_arg])
    in_channels = 3 if in_channels is None else in_channels
    teacher = dict(
        type='EDSRNet',
        in_channels=in_channels,
        out_channels=in_channels if out_channels is None else out_channels,
        mid_channels=64 if mid_channels is None else mid_channels,
        num_blocks=16 if num_blocks is None else num_blocks,
        upscale_factor=1,
        res_scale=1,
        # no mean shift: one value per channel, so any channel count works
        rgb_mean=[0.] * in_channels,
        rgb_std=[1.] * in_channels)
    return teacher, (
        f'EDSRNet at upscale_factor=1 with its mid_channels/num_blocks '
        f'({teacher["mid_channels"]}/{teacher["num_blocks"]}): '
        f'{type_name(cfg)} cannot be built at scale 1')


# How each MMagic super-resolution generator becomes a same-size teacher.
SR_TEACHERS: Dict[str, Callable[[dict], Tuple[dict, str]]] = {
    'EDSRNet': _at_scale_1('upscale_factor'),
    'SRCNNNet': _at_scale_1('upscale_factor'),
    # RRDBNet supports 1 (it pixel-unshuffles by 4, then upscales x4):
    # image sides must be multiples of 4.
    'RRDBNet': _at_scale_1('upscale_factor'),
    'SwinIRNet': _swinir_same_size,
    # no scale 1 (MSRResNet: 2-4; RDNNet: asserts 2 <= scale <= 4): the
    # residual trunk of EDSR (MSRResNet's own blocks) at its width and depth
    'MSRResNet': _edsr_trunk,
    'RDNNet': _edsr_trunk,
}


def _channel_counts(
        cfg: dict) -> Tuple[Optional[str], Optional[int], Optional[str],
                            Optional[int]]:
    """(input arg, input channels, output arg, output channels)."""
    in_name, in_channels = _arg(cfg, CHANNEL_ARGS)
    if not isinstance(in_channels, int):
        in_name, in_channels = None, None
        _, seq = _arg(cfg, ['channels'])
        if type_name(cfg) == 'SRCNNNet' and isinstance(
                seq, (list, tuple)) and seq:
            in_name, in_channels = 'channels[0]', int(seq[0])
    out_name, out_channels = _arg(cfg, OUT_CHANNEL_ARGS)
    if not isinstance(out_channels, int):
        out_name, out_channels = None, None
    return in_name, in_channels, out_name, out_channels


def _takes_its_output(teacher: dict) -> str:
    """Make a copied generator take images of its output's channels (IR2
    runs on IR1's output); returns what was changed, for the log."""
    in_name, in_channels, out_name, out_channels = _channel_counts(teacher)
    if (in_name in CHANNEL_ARGS and out_channels is not None
            and in_channels != out_channels):
        teacher[in_name] = out_channels
        return (f' with {in_name}={out_channels} (it takes IR1\'s '
                f'{out_channels}-channel output)')
    return ''


def same_size_teacher(generator_cfg: dict) -> Tuple[dict, str]:
    """IR2's config: a network that maps IR1's output (HR) to the gt (HR).

    Args:
        generator_cfg (dict): IR1, the stock model's ``generator``.

    Returns:
        tuple[dict, str]: The teacher's config (a new dict) and a log line
        that says what was chosen and how to choose another.

    Raises:
        ValueError: For an upscaling generator this module has no rule for;
            the message says to set ``model.teacher_generator``.
    """
    kind = type_name(generator_cfg)
    scale = upscale_factor(generator_cfg)
    if scale == 1:
        teacher = copy.deepcopy(generator_cfg)
        changed = _takes_its_output(teacher)
        return teacher, (
            f'IR2 (teacher) = a separate copy of the generator ({kind})'
            f'{changed}; set model.teacher_generator to use another network')
    if kind not in SR_TEACHERS:
        raise ValueError(
            f'{kind} upscales x{scale}, so IR2 cannot be a copy of it: IR2 '
            "refines IR1's output at the ground truth's size. Set "
            'model.teacher_generator to a same-size generator, e.g. '
            "dict(type='EDSRNet', in_channels=3, out_channels=3, "
            "upscale_factor=1) or a restoration network such as "
            "dict(type='NAFNet', img_channels=3, mid_channels=32, "
            "enc_blk_nums=[1, 1], middle_blk_num=1, dec_blk_nums=[1, 1]); "
            f'same-size teachers are chosen automatically for '
            f'{", ".join(sorted(SR_TEACHERS))}.')
    teacher, how = SR_TEACHERS[kind](generator_cfg)
    how += _takes_its_output(teacher)
    return teacher, (
        f'IR2 (teacher) = {how}, mapping HR -> HR: the generator {kind} '
        f'upscales x{scale}, and IR2 refines its output at the ground '
        "truth's size; set model.teacher_generator to use another network")


def infer_image_channels(generator_cfg: dict,
                         data_preprocessor_cfg: Optional[dict] = None) -> int:
    """The channels of the images the cascade passes on (1 = grayscale).

    IR1's output, IR2's input and the ground truth have these channels: the
    generator's output channels (``out_channels``, ...), else its input
    channels (``in_channels``, ``in_chans``, ``inp_channels``,
    ``img_channels``, SRCNN's ``channels[0]``; class defaults where the config
    leaves them out), checked against the length of the preprocessor's
    ``mean``/``std``, which (de)normalises those images.

    Args:
        generator_cfg (dict): The stock model's ``generator``.
        data_preprocessor_cfg (dict, optional): The model's
            ``data_preprocessor``.

    Returns:
        int: The channel count; 3 when neither says.

    Raises:
        ValueError: When the two disagree, naming both settings.
    """
    kind = type_name(generator_cfg)
    in_name, in_channels, out_name, out_channels = _channel_counts(
        generator_cfg)
    name, channels = ((out_name, out_channels) if out_channels is not None
                      else (in_name, in_channels))
    from_preprocessor, what = None, None
    for key in ('mean', 'std'):
        value = (data_preprocessor_cfg or {}).get(key)
        if isinstance(value, (list, tuple)) and len(value) > 0:
            from_preprocessor, what = len(value), key
            break
    if (channels is not None and from_preprocessor is not None
            and channels != from_preprocessor):
        raise ValueError(
            f'The generator {kind} works on {channels}-channel images '
            f'(generator.{name}={channels}) but the data_preprocessor '
            f'normalises {from_preprocessor} channels '
            f'(data_preprocessor.{what} has {from_preprocessor} values). '
            'Make them agree (e.g. mean=[0.], std=[255.] for grayscale), or '
            'set model.image_channels explicitly.')
    if channels is not None:
        return int(channels)
    if from_preprocessor is not None:
        return from_preprocessor
    return 3


def teacher_size_error(teacher_shape: Sequence[int],
                       gt_shape: Sequence[int]) -> str:
    """Text of the error for an IR2 output that is not the gt's size.

    Args:
        teacher_shape (Sequence[int]): IR2's output shape (B, C, H, W).
        gt_shape (Sequence[int]): The ground truth's shape.

    Returns:
        str: What is wrong and how to set the teacher.
    """
    return (
        f"IR2's output is {tuple(teacher_shape)} but the ground truth is "
        f'{tuple(gt_shape)}. IR2 (model.teacher_generator) refines IR1\'s '
        'output at the ground truth\'s size, so it must be a same-size '
        'network (output size = input size): for super-resolution, leave '
        'teacher_generator=None (a same-size teacher is chosen for '
        f'{", ".join(sorted(SR_TEACHERS))}) or set it to a same-size '
        "generator, e.g. dict(type='EDSRNet', in_channels=3, "
        'out_channels=3, upscale_factor=1).')
