"""Uformer (Wang et al., CVPR 2022), written from the paper's description.

A U-shaped Transformer for image restoration: a 3x3 input projection, four
encoder stages of LeWin Transformer blocks each followed by a 4x4 stride-2
downsampling conv, a bottleneck stage, four decoder stages that upsample by a
2x2 stride-2 transposed conv and concatenate the encoder's skip feature, a
3x3 output projection and a global residual. A LeWin block is window
self-attention (non-overlapping M x M windows, relative position bias, the
windows shifted by M/2 on every second block) followed by LeFF (linear,
depth-wise 3x3 conv, linear). The decoder blocks may add the learnable
multi-scale restoration modulator, an M x M x C bias per block added to every
window before attention (in Uformer-B, see ``ARCH_SETTINGS``).
"""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmagic.registry import MODELS
from mmcv.cnn.bricks import DropPath
from mmengine.model import BaseModule
from mmengine.model.weight_init import trunc_normal_

# The paper's sizes: embedding width C, blocks per stage (4 encoder stages,
# bottleneck, 4 decoder stages) and the modulator. All use 8 x 8 windows, MLP
# ratio 4 and DEFAULT_HEADS. The paper's parameter counts (T 5.23M, S 20.63M,
# B 50.88M) are met exactly with the modulator in B only: its T and S rows
# are the earlier modulator-free models (the official code's later presets
# add it to all three, +0.06M for T and +0.12M for S).
ARCH_SETTINGS = {
    'T': dict(embed_dim=16, depths=[2] * 9, modulator=False),
    'S': dict(embed_dim=32, depths=[2] * 9, modulator=False),
    'B': dict(
        embed_dim=32, depths=[1, 2, 8, 8, 2, 8, 8, 2, 1], modulator=True),
}
DEFAULT_HEADS = [1, 2, 4, 8, 16, 16, 8, 4, 2]


def window_partition(x: torch.Tensor, hw: Tuple[int, int],
                     win_size: int) -> torch.Tensor:
    """Split (B, H*W, C) tokens into (B * nW, M*M, C) windows."""
    b, _, c = x.shape
    h, w = hw
    x = x.view(b, h // win_size, win_size, w // win_size, win_size, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, win_size * win_size, c)


def window_merge(windows: torch.Tensor, hw: Tuple[int, int],
                 win_size: int) -> torch.Tensor:
    """Inverse of :func:`window_partition`: back to (B, H*W, C) tokens."""
    h, w = hw
    c = windows.size(-1)
    x = windows.view(-1, h // win_size, w // win_size, win_size, win_size, c)
    return x.permute(0, 1, 3, 2, 4, 5).reshape(-1, h * w, c)


def shifted_window_mask(hw: Tuple[int, int], win_size: int, shift: int,
                        device: torch.device) -> torch.Tensor:
    """Additive attention mask of shifted windows, (nW, M*M, M*M).

    After the cyclic shift a window may hold pixels from up to four regions
    that are not neighbours in the image; tokens of different regions must
    not attend to each other.
    """
    h, w = hw
    region = torch.zeros(1, h, w, 1, device=device)
    bounds = (slice(0, -win_size), slice(-win_size, -shift),
              slice(-shift, None))
    label = 0
    for rows in bounds:
        for cols in bounds:
            region[:, rows, cols] = label
            label += 1
    region = window_partition(region.view(1, h * w, 1), hw, win_size)
    region = region.squeeze(-1)
    different = region.unsqueeze(1) != region.unsqueeze(2)
    return torch.zeros_like(different, dtype=torch.float).masked_fill(
        different, float('-inf'))


class WindowAttention(nn.Module):
    """Multi-head self-attention inside M x M windows.

    Args:
        dim (int): Token width.
        num_heads (int): Attention heads.
        win_size (int): Window side M.
        qkv_bias (bool): Bias in the query/key/value projection.
        attn_drop (float): Dropout on the attention weights.
        proj_drop (float): Dropout after the output projection.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 win_size: int,
                 qkv_bias: bool = True,
                 attn_drop: float = 0.,
                 proj_drop: float = 0.) -> None:
        super().__init__()
        self.num_heads = num_heads
        self.win_size = win_size
        self.attn_drop = attn_drop
        # One learned bias per head and relative offset in [-(M-1), M-1]^2.
        self.relative_position_bias_table = nn.Parameter(
            torch.zeros((2 * win_size - 1)**2, num_heads))
        coords = torch.stack(
            torch.meshgrid(
                torch.arange(win_size), torch.arange(win_size),
                indexing='ij')).flatten(1)
        offsets = (coords[:, :, None] - coords[:, None, :]) + win_size - 1
        self.register_buffer(
            'relative_position_index',
            offsets[0] * (2 * win_size - 1) + offsets[1],
            persistent=False)
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)
        self.proj_drop = nn.Dropout(proj_drop)
        trunc_normal_(self.relative_position_bias_table, std=.02)

    def forward(self,
                x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Attend within each window.

        Args:
            x (Tensor): (B * nW, M*M, C) windows.
            mask (Tensor, optional): (nW, M*M, M*M) additive mask.

        Returns:
            Tensor: (B * nW, M*M, C).
        """
        windows, tokens, dim = x.shape
        qkv = self.qkv(x).view(windows, tokens, 3, self.num_heads, -1)
        q, k, v = qkv.permute(2, 0, 3, 1, 4)
        bias = self.relative_position_bias_table[
            self.relative_position_index.view(-1)].view(
                tokens, tokens, -1).permute(2, 0, 1)
        if mask is not None:
            # Windows of one image share the mask: (B, nW, heads, M*M, d).
            bias = bias + mask.unsqueeze(1)
            q, k, v = (t.unflatten(0, (-1, mask.size(0))) for t in (q, k, v))
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=bias.to(q.dtype),
            dropout_p=self.attn_drop if self.training else 0.)
        out = out.reshape(windows, self.num_heads, tokens, -1)
        out = out.transpose(1, 2).reshape(windows, tokens, dim)
        return self.proj_drop(self.proj(out))


class LeFF(nn.Module):
    """Locally-enhanced feed-forward: linear, depth-wise 3x3 conv, linear.

    Args:
        dim (int): Token width.
        hidden_dim (int): Hidden width.
        drop (float): Dropout after the last linear layer.
    """

    def __init__(self, dim: int, hidden_dim: int, drop: float = 0.) -> None:
        super().__init__()
        self.linear1 = nn.Sequential(nn.Linear(dim, hidden_dim), nn.GELU())
        self.dwconv = nn.Sequential(
            nn.Conv2d(
                hidden_dim, hidden_dim, 3, padding=1, groups=hidden_dim),
            nn.GELU())
        self.linear2 = nn.Linear(hidden_dim, dim)
        self.drop = nn.Dropout(drop)

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        """(B, H*W, C) tokens in and out."""
        x = self.linear1(x)
        b, _, c = x.shape
        x = x.transpose(1, 2).reshape(b, c, *hw)
        x = self.dwconv(x).flatten(2).transpose(1, 2)
        return self.drop(self.linear2(x))


class LeWinBlock(nn.Module):
    """LeWin Transformer block: (S)W-MSA and LeFF, each pre-norm residual.

    Args:
        dim (int): Token width.
        num_heads (int): Attention heads.
        win_size (int): Window side M.
        shift (bool): Shift the windows by M/2 (the odd blocks of a stage).
        mlp_ratio (float): LeFF hidden width / ``dim``.
        qkv_bias (bool): Bias in the query/key/value projection.
        drop (float): Dropout after attention and LeFF.
        attn_drop (float): Dropout on the attention weights.
        drop_path (float): Stochastic depth rate.
        modulator (bool): Add the learnable M x M x C modulator to every
            window before attention.
    """

    def __init__(self,
                 dim: int,
                 num_heads: int,
                 win_size: int,
                 shift: bool = False,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop: float = 0.,
                 attn_drop: float = 0.,
                 drop_path: float = 0.,
                 modulator: bool = False) -> None:
        super().__init__()
        self.win_size = win_size
        self.shift = shift
        self.norm1 = nn.LayerNorm(dim)
        self.modulator = None
        if modulator:
            self.modulator = nn.Parameter(torch.zeros(win_size**2, dim))
            trunc_normal_(self.modulator, std=.02)
        self.attn = WindowAttention(dim, num_heads, win_size, qkv_bias,
                                    attn_drop, drop)
        self.drop_path = DropPath(drop_path) if drop_path > 0 else \
            nn.Identity()
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = LeFF(dim, int(dim * mlp_ratio), drop)

    def forward(self,
                x: torch.Tensor,
                hw: Tuple[int, int],
                shift_mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Run the block.

        Args:
            x (Tensor): (B, H*W, C) tokens; H and W multiples of M.
            hw (tuple[int, int]): (H, W).
            shift_mask (Tensor, optional): The stage's shifted-window mask;
                ``None`` turns the shift off (a single window per side).

        Returns:
            Tensor: (B, H*W, C) tokens.
        """
        b, _, c = x.shape
        h, w = hw
        shift = self.win_size // 2 if self.shift and shift_mask is not None \
            else 0
        y = self.norm1(x)
        if shift:
            y = y.view(b, h, w, c).roll((-shift, -shift), (1, 2))
            y = y.reshape(b, h * w, c)
        windows = window_partition(y, hw, self.win_size)
        if self.modulator is not None:
            windows = windows + self.modulator
        windows = self.attn(windows, shift_mask if shift else None)
        y = window_merge(windows, hw, self.win_size)
        if shift:
            y = y.view(b, h, w, c).roll((shift, shift), (1, 2))
            y = y.reshape(b, h * w, c)
        x = x + self.drop_path(y)
        return x + self.drop_path(self.mlp(self.norm2(x), hw))


class UformerStage(nn.Module):
    """A stage of LeWin blocks at one resolution, windows shifted on odd ones.

    It takes and returns (B, H*W, C) tokens and is called with the (H, W)
    tuple, so SPF units hooked onto it (``FUSION_PRESETS['Uformer']``) can
    restore the spatial layout.

    Args:
        dim (int): Token width.
        depth (int): Number of blocks.
        num_heads (int): Attention heads.
        win_size (int): Window side M.
        drop_path (Sequence[float]): Stochastic depth rate of each block.
        shift_windows (bool): Shift the windows of the odd blocks.
        **kwargs: ``mlp_ratio``, ``qkv_bias``, ``drop``, ``attn_drop`` and
            ``modulator`` of :class:`LeWinBlock`.
    """

    def __init__(self, dim: int, depth: int, num_heads: int, win_size: int,
                 drop_path: Sequence[float], shift_windows: bool,
                 **kwargs) -> None:
        super().__init__()
        self.win_size = win_size
        self.blocks = nn.ModuleList([
            LeWinBlock(
                dim,
                num_heads,
                win_size,
                shift=shift_windows and i % 2 == 1,
                drop_path=drop_path[i],
                **kwargs) for i in range(depth)
        ])

    def forward(self, x: torch.Tensor, hw: Tuple[int, int]) -> torch.Tensor:
        """(B, H*W, C) tokens in and out; H, W multiples of the window."""
        mask = None
        # With one window per side a shift only moves pixels around (the
        # paper's implementation turns it off there too).
        if self.win_size > 1 and min(hw) > self.win_size and any(
                block.shift for block in self.blocks):
            mask = shifted_window_mask(hw, self.win_size, self.win_size // 2,
                                       x.device)
        for block in self.blocks:
            x = block(x, hw, mask)
        return x


class TokenResample(nn.Module):
    """Run a strided (transposed) conv on (B, H*W, C) tokens.

    Args:
        conv (nn.Module): The 2D conv; 4x4 stride 2 down, or 2x2 stride 2
            transposed up.
    """

    def __init__(self, conv: nn.Module) -> None:
        super().__init__()
        self.conv = conv

    def forward(self, x: torch.Tensor,
                hw: Tuple[int, int]) -> Tuple[torch.Tensor, Tuple[int, int]]:
        """Return the resampled tokens and their (H, W)."""
        b, _, c = x.shape
        y = self.conv(x.transpose(1, 2).reshape(b, c, *hw))
        return y.flatten(2).transpose(1, 2), (y.size(2), y.size(3))


@MODELS.register_module()
class Uformer(BaseModule):
    """Uformer: a general U-shaped Transformer for image restoration.

    Paper: Wang et al., "Uformer: A General U-Shaped Transformer for Image
    Restoration", CVPR 2022. Images of any size are padded to a multiple of
    ``16 * win_size`` (four downsamplings, then whole windows) and the output
    is cropped back, so full test images run as they are.

    Args:
        arch (str): Size preset: ``'T'`` (C=16, 2 blocks per stage),
            ``'S'`` (C=32, 2 blocks per stage) or ``'B'`` (C=32, blocks
            [1, 2, 8, 8, 2, 8, 8, 2, 1]). Defaults to ``'B'``.
        in_channels (int): Image channels, in and out (the output is the
            input plus the predicted residual). Defaults to 3.
        embed_dim (int, optional): Width C of the first stage; stage i of
            the encoder has C * 2**i. Overrides the preset.
        depths (Sequence[int], optional): Blocks of the 4 encoder stages, the
            bottleneck and the 4 decoder stages. Overrides the preset.
        num_heads (Sequence[int], optional): Heads of the same 9 stages.
            Defaults to [1, 2, 4, 8, 16, 16, 8, 4, 2].
        win_size (int): Window side M. Defaults to 8.
        mlp_ratio (float): LeFF hidden width / token width. Defaults to 4.
        qkv_bias (bool): Bias in the query/key/value projections.
            Defaults to True.
        drop_rate (float): Dropout rate. Defaults to 0.
        attn_drop_rate (float): Attention dropout rate. Defaults to 0.
        drop_path_rate (float): Largest stochastic depth rate: it grows
            linearly from 0 over the encoder, stays at this value in the
            bottleneck and decreases symmetrically over the decoder.
            Defaults to 0.1.
        shift_windows (bool): Shift the windows on every second block.
            Defaults to True.
        modulator (bool, optional): The multi-scale restoration modulator
            in the decoder blocks. Defaults to the preset's (B: True; T, S:
            False, matching the paper's parameter counts).
        pad_mode (str): ``F.pad`` mode for the padding: ``'reflect'`` (falls
            back to ``'replicate'`` where the image is smaller than the
            padding), ``'replicate'`` or ``'constant'``.
            Defaults to ``'reflect'``.
        init_cfg (dict, optional): Initialisation config.
    """

    def __init__(self,
                 arch: str = 'B',
                 in_channels: int = 3,
                 embed_dim: Optional[int] = None,
                 depths: Optional[Sequence[int]] = None,
                 num_heads: Optional[Sequence[int]] = None,
                 win_size: int = 8,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_rate: float = 0.,
                 attn_drop_rate: float = 0.,
                 drop_path_rate: float = 0.1,
                 shift_windows: bool = True,
                 modulator: Optional[bool] = None,
                 pad_mode: str = 'reflect',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if arch not in ARCH_SETTINGS:
            raise ValueError(f'Uformer arch must be one of '
                             f'{sorted(ARCH_SETTINGS)}, got {arch!r}')
        preset = ARCH_SETTINGS[arch]
        embed_dim = preset['embed_dim'] if embed_dim is None else embed_dim
        depths = list(preset['depths'] if depths is None else depths)
        num_heads = list(DEFAULT_HEADS if num_heads is None else num_heads)
        if modulator is None:
            modulator = preset['modulator']
        self._check_sizes(embed_dim, depths, num_heads, win_size, pad_mode)
        self.embed_dim = embed_dim
        self.depths = depths
        self.win_size = win_size
        self.pad_mode = pad_mode

        # Widths: encoder C, 2C, 4C, 8C; bottleneck 16C; each decoder stage
        # works on the upsampled map concatenated with its skip (2x width).
        enc_dims = [embed_dim * 2**i for i in range(4)]
        dec_dims = [embed_dim * 2**(4 - i) for i in range(4)]
        enc_rates = _linspace(0., drop_path_rate, sum(depths[:4]))
        dec_rates = _linspace(drop_path_rate, 0., sum(depths[5:]))
        stage = dict(
            win_size=win_size,
            shift_windows=shift_windows,
            mlp_ratio=mlp_ratio,
            qkv_bias=qkv_bias,
            drop=drop_rate,
            attn_drop=attn_drop_rate)

        self.input_proj = nn.Sequential(
            nn.Conv2d(in_channels, embed_dim, 3, padding=1),
            nn.LeakyReLU(inplace=True))
        self.pos_drop = nn.Dropout(drop_rate)
        self.encoders = nn.ModuleList()
        self.downsamples = nn.ModuleList()
        for i, dim in enumerate(enc_dims):
            self.encoders.append(
                UformerStage(
                    dim, depths[i], num_heads[i],
                    drop_path=_chunk(enc_rates, depths[:4], i), **stage))
            self.downsamples.append(
                TokenResample(
                    nn.Conv2d(dim, dim * 2, 4, stride=2, padding=1)))
        self.bottleneck = UformerStage(
            embed_dim * 16, depths[4], num_heads[4],
            drop_path=[drop_path_rate] * depths[4], **stage)
        self.upsamples = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for i, dim in enumerate(dec_dims):
            in_dim = dim if i == 0 else dim * 2  # previous decoder's width
            self.upsamples.append(
                TokenResample(
                    nn.ConvTranspose2d(in_dim, dim // 2, 2, stride=2)))
            self.decoders.append(
                UformerStage(
                    dim, depths[5 + i], num_heads[5 + i],
                    drop_path=_chunk(dec_rates, depths[5:], i),
                    modulator=modulator, **stage))
        self.output_proj = nn.Conv2d(2 * embed_dim, in_channels, 3, padding=1)
        self.apply(self._init_linear_and_norm)

    @staticmethod
    def _check_sizes(embed_dim: int, depths: List[int], num_heads: List[int],
                     win_size: int, pad_mode: str) -> None:
        if len(depths) != 9 or len(num_heads) != 9:
            raise ValueError(
                'Uformer needs 9 depths and 9 num_heads (4 encoder stages, '
                f'the bottleneck, 4 decoder stages), got {len(depths)} '
                f'depths and {len(num_heads)} num_heads')
        if embed_dim < 1 or win_size < 1 or min(depths) < 1:
            raise ValueError('embed_dim, win_size and every depth must be '
                             f'>= 1, got embed_dim={embed_dim}, '
                             f'win_size={win_size}, depths={depths}')
        widths = [embed_dim * 2**i for i in range(5)]
        widths += [embed_dim * 2**(4 - i) for i in range(4)]
        bad = [(w, h) for w, h in zip(widths, num_heads) if w % h]
        if bad:
            raise ValueError(
                f'Uformer stage widths {widths} must be divisible by their '
                f'num_heads {num_heads}; (width, heads) {bad} are not. '
                'Change embed_dim or num_heads.')
        if pad_mode not in ('reflect', 'replicate', 'constant'):
            raise ValueError("pad_mode must be 'reflect', 'replicate' or "
                             f"'constant', got {pad_mode!r}")

    @staticmethod
    def _init_linear_and_norm(module: nn.Module) -> None:
        if isinstance(module, nn.Linear):
            trunc_normal_(module.weight, std=.02)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, nn.LayerNorm):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)

    # Tells SemanticPriorFusion that features live on the grid of
    # ``pad(input)``, so it pads the masks the same way instead of stretching.
    pads_input = True

    def pad(self, x: torch.Tensor) -> torch.Tensor:
        """Pad (bottom, right) to a multiple of ``16 * win_size``."""
        multiple = 16 * self.win_size
        h, w = x.shape[-2:]
        pad_h, pad_w = -h % multiple, -w % multiple
        if not pad_h and not pad_w:
            return x
        mode = self.pad_mode
        if mode == 'reflect' and (pad_h >= h or pad_w >= w):
            mode = 'replicate'  # reflection needs a larger image
        return F.pad(x, (0, pad_w, 0, pad_h), mode=mode)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Restore a batch of images.

        Args:
            x (Tensor): (B, C, H, W) degraded images, any H and W.

        Returns:
            Tensor: (B, C, H, W) restored images.
        """
        h, w = x.shape[-2:]
        feat = self.input_proj(self.pad(x))
        hw = (feat.size(2), feat.size(3))
        tokens = self.pos_drop(feat.flatten(2).transpose(1, 2))
        skips = []
        for encoder, down in zip(self.encoders, self.downsamples):
            tokens = encoder(tokens, hw)
            skips.append((tokens, hw))
            tokens, hw = down(tokens, hw)
        tokens = self.bottleneck(tokens, hw)
        for up, decoder in zip(self.upsamples, self.decoders):
            tokens, hw = up(tokens, hw)
            skip, _ = skips.pop()
            tokens = decoder(torch.cat([tokens, skip], -1), hw)
        feat = tokens.transpose(1, 2).reshape(x.size(0), -1, *hw)
        return x + self.output_proj(feat)[..., :h, :w]


def _linspace(start: float, end: float, num: int) -> List[float]:
    """``num`` evenly spaced floats from ``start`` to ``end``."""
    if num == 1:
        return [start]
    return [start + (end - start) * i / (num - 1) for i in range(num)]


def _chunk(rates: List[float], depths: Sequence[int],
           index: int) -> List[float]:
    """Stage ``index``'s share of a per-block rate schedule."""
    start = sum(depths[:index])
    return rates[start:start + depths[index]]
