"""Helpers shared by the tests: config writers and a tool runner."""
import os
import os.path as osp
import subprocess
import sys
import textwrap

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
STOCK_NAFNET = 'mmagic::nafnet/nafnet_c64eb11128mb1db1111_8xb8-lr1e-3-400k_gopro.py'


def write_config(folder, name: str, body: str) -> str:
    """Write a config file and return its path."""
    path = osp.join(str(folder), name)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(textwrap.dedent(body))
    return path


def tiny_nafnet_config(folder, data_root: str, base: str = STOCK_NAFNET,
                       extra: str = '', max_iters: int = 4) -> str:
    """A child of the stock NAFNet GoPro config, shrunk for CPU tests."""
    return write_config(folder, 'tiny_nafnet.py', f"""
        _base_ = {base!r}
        model = dict(generator=dict(
            mid_channels=8, enc_blk_nums=[1, 1], middle_blk_num=1,
            dec_blk_nums=[1, 1], train_size=(1, 3, 32, 32)))
        train_pipeline = _base_.train_pipeline
        train_pipeline[6] = dict(type='PairedRandomCrop', gt_patch_size=32)
        train_dataloader = dict(
            batch_size=2, num_workers=0,
            dataset=dict(data_root={data_root + '/train'!r},
                         data_prefix=dict(gt='gt', img='lq'),
                         pipeline=train_pipeline))
        val_dataloader = dict(
            num_workers=0,
            dataset=dict(data_root={data_root + '/test'!r},
                         data_prefix=dict(gt='gt', img='lq')))
        test_dataloader = val_dataloader
        train_cfg = dict(max_iters={max_iters}, val_interval={max_iters})
        param_scheduler = dict(T_max={max_iters})
        default_hooks = dict(
            checkpoint=dict(interval=2, out_dir=None),
            logger=dict(interval=1))
        custom_hooks = []
        """ + textwrap.dedent(extra))


def run_tool(args, cwd: str = REPO, env: dict = None, timeout: int = 900):
    """Run a command with this interpreter's environment; fail loudly."""
    full_env = dict(os.environ, PYTHON=sys.executable, **(env or {}))
    result = subprocess.run(
        args, cwd=cwd, env=full_env, capture_output=True, text=True,
        timeout=timeout)
    if result.returncode != 0:
        raise AssertionError(
            f'{" ".join(args)} failed ({result.returncode}):\n'
            f'{result.stdout[-4000:]}\n{result.stderr[-6000:]}')
    return result


# Tiny versions of MMagic's generators, for CPU tests.
TINY_GENERATORS = dict(
    NAFNet=dict(
        type='NAFNet', img_channels=3, mid_channels=8, enc_blk_nums=[1, 1],
        middle_blk_num=1, dec_blk_nums=[1, 1]),
    NAFNetLocal=dict(
        type='NAFNetLocal', img_channels=3, mid_channels=8,
        enc_blk_nums=[1, 1], middle_blk_num=1, dec_blk_nums=[1, 1],
        train_size=(1, 3, 32, 32)),
    SwinIRNet=dict(
        type='SwinIRNet', upscale=1, in_chans=3, img_size=32, window_size=4,
        img_range=1., depths=[1, 1], embed_dim=8, num_heads=[2, 2],
        mlp_ratio=2, upsampler='', resi_connection='1conv'),
    Restormer=dict(
        type='Restormer', inp_channels=3, out_channels=3, dim=8,
        num_blocks=[1, 1, 1, 1], num_refinement_blocks=1,
        heads=[1, 1, 1, 1], ffn_expansion_factor=2, bias=False,
        LayerNorm_type='WithBias'),
    Uformer=dict(
        type='Uformer', embed_dim=8, depths=[1] * 9, win_size=2,
        drop_path_rate=0.),
    RCDNet=dict(
        type='RCDNet', num_stages=2, num_maps=4, num_aux=4, num_blocks=1,
        kernel_size=5),
    EfficientDerain=dict(type='EfficientDerain', channels=(4, 4, 4, 4, 4)),
    # super-resolution (x2): the cascade's IR2 is a same-size network
    EDSRNet=dict(
        type='EDSRNet', in_channels=3, out_channels=3, mid_channels=8,
        num_blocks=1, upscale_factor=2),
    RRDBNet=dict(
        type='RRDBNet', in_channels=3, out_channels=3, mid_channels=8,
        num_blocks=1, growth_channels=4, upscale_factor=2),
    SRCNNNet=dict(
        type='SRCNNNet', channels=(3, 8, 4, 3), kernel_sizes=(9, 1, 5),
        upscale_factor=2),
)


def build_tiny_sam(checkpoint=None):
    """A randomly initialised SAM with tiny widths (SAM's 1024 input size).

    Registered into ``segment_anything.sam_model_registry`` by the tests, so
    it is built and loaded through the same code as ``vit_h``.
    """
    from functools import partial

    import torch.nn as nn
    from segment_anything.modeling import (ImageEncoderViT, MaskDecoder,
                                           PromptEncoder, Sam,
                                           TwoWayTransformer)
    dim = 16
    return Sam(
        image_encoder=ImageEncoderViT(
            img_size=1024, patch_size=16, embed_dim=dim, depth=1,
            num_heads=1, mlp_ratio=2, out_chans=dim, qkv_bias=True,
            norm_layer=partial(nn.LayerNorm, eps=1e-6), use_rel_pos=False,
            window_size=0, global_attn_indexes=()),
        prompt_encoder=PromptEncoder(
            embed_dim=dim, image_embedding_size=(64, 64),
            input_image_size=(1024, 1024), mask_in_chans=4),
        mask_decoder=MaskDecoder(
            num_multimask_outputs=3,
            transformer=TwoWayTransformer(
                depth=1, embedding_dim=dim, mlp_dim=32, num_heads=2),
            transformer_dim=dim, iou_head_depth=1, iou_head_hidden_dim=16),
        pixel_mean=[123.675, 116.28, 103.53],
        pixel_std=[58.395, 57.12, 57.375])


# Settings that make a random-weight SAM keep some masks, quickly.
TINY_SAM_OPTIONS = dict(
    model_type='tiny_test', points_per_side=4, pred_iou_thresh=0.0,
    stability_score_thresh=0.0, box_nms_thresh=0.9)


def activate_teacher(model) -> None:
    """Move a cascade's teacher off its identity initialisation.

    A new cascade's IR2 is the identity (zeroed output layer or zero gate,
    no-op SPF units), so no
    gradient reaches IR2's or SPF's weights yet; tests of gradient routing
    set the state a few training steps would reach.
    """
    import torch
    torch.manual_seed(0)
    if model.teacher.gate is not None:
        model.teacher.gate.data.fill_(1.0)
    if model.teacher.output_layer is not None:
        layer = model.teacher.network.get_submodule(
            model.teacher.output_layer)
        torch.nn.init.normal_(layer.weight, std=0.1)
    if model.teacher.spf is not None:
        for unit in [model.teacher.spf.input_unit, *model.teacher.spf.units]:
            torch.nn.init.normal_(unit.proj.weight, std=0.1)
