"""The number reader's network and its export (PyTorch; ``pip install -e ".[train]"``).

A small convolutional network with a CTC head over the number's strip
(:mod:`digitcanvas.reading.numbers.strip`): (N, 1, 32, W) → (N, W / 4, 11) log-probabilities
per frame of 4 px, class 0 the CTC blank and class d + 1 the digit d. It needs no split into
digits: it says how many digits there are and where (the frames where each is emitted).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from digitcanvas.reading.numbers.strip import FRAME, STRIP_HEIGHT
from lab.train.export import export_graph

CLASSES = 11  # the CTC blank and ten digits
GRAPH_NAME = "digitcanvas_number_reader"
INPUT_NAME = "strip"
OUTPUT_NAME = "log_probs"


def _conv(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU())


def _conv1d(channels: int, kernel: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv1d(channels, channels, kernel, padding=kernel // 2, bias=False), nn.BatchNorm1d(channels), nn.ReLU()
    )


class NumberNet(nn.Module):
    """(N, 1, 32, W) strips, W a multiple of 4 → (N, W / 4, 11) log-probabilities.

    At width 16: about 0.2 M parameters and 14 M multiply-adds for a four-digit strip.
    """

    def __init__(self, width: int = 16, kernel: int = 5) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            _conv(1, w),
            nn.MaxPool2d(2),  # 16 × W/2
            _conv(w, 2 * w),
            nn.MaxPool2d(2),  # 8 × W/4: one column per frame from here on
            _conv(2 * w, 4 * w),
            _conv(4 * w, 4 * w),
            nn.MaxPool2d((2, 1)),  # 4 × W/4
            _conv(4 * w, 4 * w),
        )
        self.collapse = nn.Sequential(nn.Conv2d(4 * w, 6 * w, (STRIP_HEIGHT // 8, 1)), nn.ReLU())
        self.context = nn.ModuleList([_conv1d(6 * w, kernel), _conv1d(6 * w, kernel)])
        self.head = nn.Conv1d(6 * w, CLASSES, 1)

    def forward(self, strip: torch.Tensor) -> torch.Tensor:
        x = self.collapse(self.features(strip)).squeeze(2)  # (N, C, T)
        for layer in self.context:
            x = x + layer(x)
        return F.log_softmax(self.head(x).transpose(1, 2), dim=-1)  # (N, T, 11)


def export_onnx(net: NumberNet, path: Path, metadata: Mapping[str, str]) -> Path:
    """Export ``net`` (eval mode) to ``path`` with a dynamic batch and width and exactly ``metadata``."""
    batch = torch.export.Dim("batch", min=1, max=4096)
    frames = torch.export.Dim("frames", min=2, max=1024)
    return export_graph(
        net.eval(),
        torch.zeros(2, 1, STRIP_HEIGHT, 16 * FRAME),
        GRAPH_NAME,
        path,
        metadata,
        input_names=[INPUT_NAME],
        output_names=[OUTPUT_NAME],
        dynamic_shapes=({0: batch, 3: FRAME * frames},),
    )
