"""The number reader's lab side on data the test makes: synthetic numbers, a short training, export."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from strokes import DIGITS

from digitcanvas.reading.numbers.number_reader import NumberReader
from digitcanvas.reading.numbers.strip import FRAME, STRIP_HEIGHT
from lab.data import synthetic_numbers
from lab.data.unipen import PenSample

BASE = {str(d): name for d, name in enumerate(["0", "1", "2", "3", "4two", "5flag", "6", "7", "8", "9"])}


def _sources() -> synthetic_numbers.Sources:
    """Hand-made pen digits of two 'writers' and bar images standing in for MNIST."""
    pen = [
        PenSample(int(d), "tst", writer, tuple(np.asarray(s, dtype=np.float64) * 100 for s in DIGITS[name]))
        for d, name in BASE.items()
        for writer in ("a", "b")
    ]
    labels = np.repeat(np.arange(10, dtype=np.uint8), 3)
    images = np.zeros((len(labels), 28, 28), dtype=np.uint8)
    for i, label in enumerate(labels):
        images[i, 4:24, 6 + label : 9 + label] = 255
    return synthetic_numbers.Sources.build(pen, images, labels)


def test_synthetic_numbers_are_strips_of_their_labels_digits() -> None:
    sources, rng = _sources(), np.random.default_rng(3)
    for _ in range(30):
        pixels, label = synthetic_numbers.sample(sources, rng)
        assert label.isdigit() and 1 <= len(label) <= max(synthetic_numbers.LENGTHS)
        assert pixels.dtype == np.uint8 and pixels.shape[0] == STRIP_HEIGHT and pixels.shape[1] % FRAME == 0
        assert pixels.max() > 128  # ink


def test_the_same_seed_makes_the_same_numbers() -> None:
    sources = _sources()
    first = [synthetic_numbers.sample(sources, np.random.default_rng(9)) for _ in range(3)]
    again = [synthetic_numbers.sample(sources, np.random.default_rng(9)) for _ in range(3)]
    for (a, la), (b, lb) in zip(first, again, strict=True):
        assert la == lb and np.array_equal(a, b)


def test_a_short_training_exports_a_number_reader_the_app_opens(tmp_path: Path) -> None:
    torch = pytest.importorskip("torch", reason="training needs PyTorch: the train extra")
    pytest.importorskip("onnx")
    pytest.importorskip("onnxscript")
    from lab.train.number_net import NumberNet, export_onnx
    from lab.train.number_reader import train

    torch.manual_seed(0)
    sources, rng = _sources(), np.random.default_rng(0)
    data = [synthetic_numbers.sample(sources, rng) for _ in range(64)]
    net = NumberNet(width=4)
    scores = train(net, data, {"synthetic": data[:16]}, epochs=1, seed=0)
    exact, count = scores["synthetic"]
    assert 0.0 <= exact <= count <= 1.0
    path = export_onnx(net, tmp_path / "number-reader.onnx", {"digitcanvas.name": "test"})
    pixels = (data[0][0] / 255).astype(np.float32)
    guess = NumberReader(path).read(pixels)
    assert all(c.isdigit() for c in guess)


def test_numbers_made_in_parallel_are_the_numbers_made_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("torch", reason="the training module needs PyTorch: the train extra")
    from lab.train import number_reader

    monkeypatch.setattr(number_reader, "CHUNK", 4)
    one = number_reader.generate(_sources(), 10, 5, "test", jobs=1)
    two = number_reader.generate(_sources(), 10, 5, "test", jobs=2)
    assert len(one) == 10 and [label for _, label in one] == [label for _, label in two]
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(one, two, strict=True))
    other = number_reader.generate(_sources(), 10, 6, "test", jobs=1)
    assert [label for _, label in other] != [label for _, label in one]


def test_augmented_strips_stay_readable_for_ctc() -> None:
    torch = pytest.importorskip("torch", reason="training needs PyTorch: the train extra")
    from lab.train.number_reader import STRETCH, augment

    strips = torch.zeros(3, 1, STRIP_HEIGHT, 10 * FRAME)
    strips[:, :, 10:20, 4:30] = 1.0
    lengths = torch.tensor([2, 4, 4])
    rng = np.random.default_rng(1)
    for _ in range(20):
        out = augment(strips, lengths, rng)
        frames = out.shape[3] // FRAME
        assert out.shape[:3] == strips.shape[:3] and out.shape[3] % FRAME == 0
        assert frames >= 2 * 4 + 1  # a 4-digit label always fits CTC's frames
        assert STRETCH[0] * 10 - 1 <= frames <= max(STRETCH[1] * 10 + 1, 9)
        assert float(out.max()) > 0.5 and float(out.min()) >= 0.0  # the ink survives, nothing negative


def test_amounts_end_in_zeros_and_only_a_run_of_zeros_is_written_small() -> None:
    rng = np.random.default_rng(2)
    labels = [synthetic_numbers.random_label(rng) for _ in range(2000)]
    ending = sum(len(label) >= 3 and label.endswith("00") for label in labels) / len(labels)
    assert 0.1 < ending < 0.4  # uniform digits alone would give about 0.6 % of such labels
    always = np.random.default_rng(0)
    for label, start in [("50000", 1), ("1500", 2), ("300", 1), ("10", 2), ("0000", 4), ("1234", 4), ("7", 1)]:
        draws = {synthetic_numbers.small_tail(label, always) for _ in range(50)}
        assert draws <= {start, len(label)} and (start == len(label) or start in draws)


def test_a_chain_of_small_zeros_is_one_run_on_stroke() -> None:
    rng = np.random.default_rng(8)
    digits = [[np.zeros((3, 2)) + i] for i in range(5)]
    for _ in range(10):  # the ligatures of joined numbers are left to chance; the chain is not
        strokes = synthetic_numbers._join(digits, rng, chain_from=1, everywhere=False)
        assert len(strokes) == 2  # digits 0 and 1 apart, 2-4 run on from 1
        assert len(strokes[1]) == 4 * 3
