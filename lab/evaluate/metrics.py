"""Classification figures shared by the lab's evaluations and training. No Qt."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from digitcanvas.model.shapes import NUM_CLASSES
from digitcanvas.reading.reader import Reading

ECE_BINS = 15  # the usual choice (Guo et al., 2017)


def probabilities(readings: Sequence[Reading]) -> NDArray[np.float64]:
    """(N, 10) probabilities of single-digit readings, in order.

    The lab classifies only through :class:`digitcanvas.reading.reader.Reader`, so its
    figures are the app's: the same preprocessing, model call and "Not sure" rules.
    """
    if not readings:
        return np.zeros((0, NUM_CLASSES), dtype=np.float64)
    return np.stack([r.digits[0].probabilities for r in readings])


def confusion_matrix(labels: NDArray[np.integer], predictions: NDArray[np.integer]) -> NDArray[np.int64]:
    """(10, 10) counts; rows are true digits, columns predicted digits."""
    matrix = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predictions)), 1)
    return matrix


def expected_calibration_error(
    probabilities: NDArray[np.floating], labels: NDArray[np.integer], bins: int = ECE_BINS
) -> float:
    """Expected calibration error: the sample-weighted mean |accuracy − confidence|
    over equal-width confidence bins."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    ece = 0.0
    for lo, hi in itertools.pairwise(np.linspace(0.0, 1.0, bins + 1)):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            ece += inside.mean() * abs(correct[inside].mean() - confidence[inside].mean())
    return float(ece)


@dataclass(frozen=True)
class Scores:
    count: int
    accuracy: float
    ece: float
    confusion: NDArray[np.int64]

    @property
    def errors(self) -> int:
        return int(self.count - np.trace(self.confusion))

    @property
    def precision(self) -> NDArray[np.float64]:
        predicted = self.confusion.sum(axis=0)
        return np.divide(np.diag(self.confusion), predicted, out=np.zeros(NUM_CLASSES), where=predicted > 0)

    @property
    def recall(self) -> NDArray[np.float64]:
        actual = self.confusion.sum(axis=1)
        return np.divide(np.diag(self.confusion), actual, out=np.zeros(NUM_CLASSES), where=actual > 0)

    def most_confused(self, k: int = 5) -> list[tuple[int, int, int]]:
        """(true, predicted, count) for the ``k`` most frequent mistakes."""
        off = self.confusion.copy()
        np.fill_diagonal(off, 0)
        order = np.argsort(-off, axis=None, kind="stable")[:k]
        pairs = [(int(i // NUM_CLASSES), int(i % NUM_CLASSES), int(off.flat[i])) for i in order]
        return [p for p in pairs if p[2] > 0]


def score(probabilities: NDArray[np.floating], labels: NDArray[np.integer]) -> Scores:
    predictions = probabilities.argmax(axis=1)
    return Scores(
        count=len(labels),
        accuracy=float((predictions == labels).mean()) if len(labels) else float("nan"),
        ece=expected_calibration_error(probabilities, labels) if len(labels) else float("nan"),
        confusion=confusion_matrix(labels, predictions),
    )


def markdown_scores(scores: Scores) -> str:
    """Per-class precision/recall, the confusion matrix and the most confused pairs, as Markdown."""
    lines = ["| digit | precision | recall | samples |", "|---:|---:|---:|---:|"]
    support = scores.confusion.sum(axis=1)
    for d in range(NUM_CLASSES):
        lines.append(f"| {d} | {scores.precision[d]:.2%} | {scores.recall[d]:.2%} | {support[d]} |")
    lines += ["", "Confusion matrix (rows: true digit, columns: predicted):", ""]
    lines.append("| true \\ predicted | " + " | ".join(str(d) for d in range(NUM_CLASSES)) + " |")
    lines.append("|---:|" + "---:|" * NUM_CLASSES)
    for d in range(NUM_CLASSES):
        cells = [f"**{v}**" if j == d else (str(v) if v else "·") for j, v in enumerate(scores.confusion[d])]
        lines.append(f"| **{d}** | " + " | ".join(cells) + " |")
    lines += ["", "Most confused pairs:", ""]
    for true, predicted, count in scores.most_confused():
        lines.append(f"- {true} read as {predicted}: {count}")
    return "\n".join(lines) + "\n"


def confusion_image(confusion: NDArray[np.int64], path: str, *, title: str = "", cell: int = 44) -> None:
    """Save the confusion matrix as a PNG heat map with the counts in the cells."""
    from PIL import Image, ImageDraw, ImageFont

    margin = cell
    top = cell + (24 if title else 0)
    size = (margin + cell * NUM_CLASSES + 8, top + cell * NUM_CLASSES + 8)
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=14)
    if title:
        draw.text((8, 6), title, fill="black", font=font)
    row_totals = np.maximum(confusion.sum(axis=1, keepdims=True), 1)
    share = confusion / row_totals
    for i in range(NUM_CLASSES):
        draw.text((margin + i * cell + cell // 2, top - 14), str(i), fill="black", font=font, anchor="mm")
        draw.text((margin // 2, top + i * cell + cell // 2), str(i), fill="black", font=font, anchor="mm")
        for j in range(NUM_CLASSES):
            # Log scale so rare mistakes are visible next to the diagonal.
            strength = np.log1p(share[i, j] * 1000) / np.log1p(1000)
            colour = (37, 99, 235) if i == j else (220, 38, 38)
            fill = tuple(int(255 - (255 - c) * strength) for c in colour)
            box = (margin + j * cell, top + i * cell, margin + (j + 1) * cell - 1, top + (i + 1) * cell - 1)
            draw.rectangle(box, fill=fill, outline=(229, 231, 235))
            if confusion[i, j]:
                text_colour = "white" if strength > 0.6 else "black"
                centre = (box[0] + cell // 2, box[1] + cell // 2)
                draw.text(centre, str(confusion[i, j]), fill=text_colour, font=font, anchor="mm")
    image.save(path)
