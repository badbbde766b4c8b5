"""The bundled network and its training augmentation (PyTorch; ``pip install -e ".[lab]"``)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def conv_block(c_in: int, c_out: int, kernel: int = 3) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, kernel, padding=kernel // 2, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class DigitNet(nn.Module):
    """28×28 → 10 logits, through ``4 × width`` penultimate features (the embedding).

    At width 32: ~0.28 M parameters, ~15 M multiply-adds per image, a 128-value embedding.
    """

    def __init__(self, width: int = 32, dropout: float = 0.3) -> None:
        super().__init__()
        w = width
        self.embedding_size = 4 * w
        self.features = nn.Sequential(
            conv_block(1, w, 5),  # 28×28
            nn.MaxPool2d(2),  # 14×14
            conv_block(w, 2 * w),
            conv_block(2 * w, 2 * w),
            nn.MaxPool2d(2),  # 7×7
            conv_block(2 * w, 4 * w),
            conv_block(4 * w, 4 * w),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(4 * w, 10))

    def embed(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, 28, 28) → (B, 4 × width) penultimate features (after global average pooling)."""
        return self.features(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.embed(x))


class Calibrated(nn.Module):
    """The exported graph: logits divided by the temperature fitted on validation data, and
    the embedding they were computed from (for adapting the model to one user's hand)."""

    inv_t: torch.Tensor

    def __init__(self, net: DigitNet, temperature: float) -> None:
        super().__init__()
        self.net = net
        self.register_buffer("inv_t", torch.tensor(1.0 / temperature))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        embedding = self.net.embed(x)
        return self.net.head(embedding) * self.inv_t, embedding


def augment(x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Random affine (rotation, scale, aspect, slant, shift), a smooth elastic wobble,
    and thickness changes. x: (B, 1, 28, 28) in [0, 1]."""
    b = x.shape[0]

    def uniform(lo: float, hi: float, n: int = b) -> torch.Tensor:
        return torch.rand(n, generator=generator) * (hi - lo) + lo

    angle = uniform(-12, 12) * math.pi / 180
    scale = uniform(0.85, 1.12)
    aspect = uniform(0.88, 1.12)
    shear = uniform(-0.3, 0.3)
    tx, ty = uniform(-0.12, 0.12), uniform(-0.12, 0.12)  # of the half field: ±1.7 px
    cos, sin = torch.cos(angle), torch.sin(angle)
    sx, sy = 1 / (scale * aspect), aspect / scale
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = cos * sx
    theta[:, 0, 1] = -sin * sx + shear
    theta[:, 1, 0] = sin * sy
    theta[:, 1, 1] = cos * sy
    theta[:, 0, 2], theta[:, 1, 2] = tx, ty
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    wobble = torch.randn(b, 2, 4, 4, generator=generator) * 0.03
    grid = grid + F.interpolate(wobble, size=(28, 28), mode="bicubic", align_corners=False).permute(0, 2, 3, 1)
    x = F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    pick = torch.rand(b, generator=generator)
    grown = F.max_pool2d(F.pad(x, (0, 1, 0, 1)), 2, stride=1)
    shrunk = -F.max_pool2d(F.pad(-x, (0, 1, 0, 1)), 2, stride=1)
    x = torch.where((pick < 0.15).view(b, 1, 1, 1), grown, x)
    x = torch.where((pick > 0.88).view(b, 1, 1, 1), shrunk, x)
    return x
