"""The fuzzer's inputs: mutations and random documents grown from the hostile corpora.

Each generator yields named cases (``(label, bytes)``) from a seeded generator, so a run
is repeatable: :func:`drawing_cases` (byte mutations of :mod:`lab.fuzz.hostile`'s drawings,
random drawing documents and random JSON), :func:`image_cases` (random arrays of every
pixel type in every format Pillow writes, and mutations of the hostile images),
:func:`archive_cases` (collection files: hostile, large, mutated, random) and
:func:`model_cases` (:mod:`lab.fuzz.hostile_models`, mutations of :mod:`lab.fuzz.linear_model`'s
model and random metadata). :func:`write_cases` writes them with the manifest that the
checking process of :mod:`lab.fuzz` reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from digitcanvas.model.info import META_DOUBT, META_INVERT, META_MEAN, META_OUTPUT, META_SCALE, META_STD, write_metadata
from lab.fuzz.hostile import (
    ARCHIVE_HEADER,
    drawing_text,
    hostile_archives,
    hostile_drawings,
    hostile_images,
    large_archives,
    large_drawings,
)
from lab.fuzz.hostile_models import hostile_models
from lab.fuzz.linear_model import make_linear_model


def mutate(data: bytes, rng: np.random.Generator) -> bytes:
    """One of: flipped bytes, a truncation, a splice of itself, an insertion of hostile text."""
    buffer = bytearray(data)
    kind = int(rng.integers(0, 5))
    if kind == 0 and buffer:
        for index in rng.integers(0, len(buffer), size=int(rng.integers(1, 9))):
            buffer[index] = int(rng.integers(0, 256))
    elif kind == 1 and buffer:
        del buffer[int(rng.integers(0, len(buffer))) :]
    elif kind == 2 and buffer:
        start, stop = sorted(int(i) for i in rng.integers(0, len(buffer), size=2))
        at = int(rng.integers(0, len(buffer)))
        buffer[at:at] = buffer[start:stop] * int(rng.integers(1, 50))
    else:
        pieces = [b"[" * 3000, b"9" * 500, b"1e999", b"NaN", b'"', b"\\", b"{", b"\xff\xfe", b"-0", b" " * 5000]
        at = int(rng.integers(0, len(buffer) + 1))
        buffer[at:at] = pieces[int(rng.integers(0, len(pieces)))]
    return bytes(buffer)


def _random_json(rng: np.random.Generator, depth: int = 0) -> object:
    choice = int(rng.integers(0, 8 if depth < 6 else 5))
    if choice == 0:
        return None
    if choice == 1:
        return bool(rng.integers(0, 2))
    if choice == 2:
        return int(rng.integers(-(10**6), 10**6)) * int(10 ** int(rng.integers(0, 15)))
    if choice == 3:
        return float(rng.normal() * 10 ** float(rng.uniform(-10, 300)))
    if choice == 4:
        return "".join(chr(int(c)) for c in rng.integers(32, 0x2FFF, size=int(rng.integers(0, 6))))
    if choice == 5:
        return [_random_json(rng, depth + 1) for _ in range(int(rng.integers(0, 5)))]
    keys = ["format", "version", "canvas", "width", "height", "strokes", "pen_width", "label", "x"]
    return {keys[int(rng.integers(0, len(keys)))]: _random_json(rng, depth + 1) for _ in range(int(rng.integers(0, 6)))}


def _random_drawing_document(rng: np.random.Generator) -> bytes:
    document = json.loads(drawing_text(label=int(rng.integers(0, 10))))
    key = ["canvas", "strokes", "pen_width", "label", "version", "extra"][int(rng.integers(0, 6))]
    document[key] = _random_json(rng)
    if rng.uniform() < 0.5:  # a real stroke with random points
        count = int(rng.integers(1, 300))
        document["strokes"] = [(rng.normal(300, 10 ** float(rng.uniform(0, 7)), (count, 2))).round(2).tolist()]
    return json.dumps(document).encode()


MUTATED_MAX_BYTES = 1 << 20  # larger seeds are used once, as they are: a splice of one repeats it 50 times


def drawing_cases(rng: np.random.Generator, count: int) -> Iterator[tuple[str, bytes]]:
    seeds = [*hostile_drawings().items(), ("valid", drawing_text().encode())]
    seeds = [(name, data) for name, data in seeds if len(data) <= MUTATED_MAX_BYTES]
    large = list(large_drawings().items())
    yield from [*seeds, *large][:count]
    for _ in range(count - len(seeds) - len(large)):
        roll = rng.uniform()
        if roll < 0.5:
            name, data = seeds[int(rng.integers(0, len(seeds)))]
            yield f"mutated {name}", mutate(data, rng)
        elif roll < 0.8:
            yield "random document", _random_drawing_document(rng)
        else:
            yield "random JSON", json.dumps(_random_json(rng)).encode()


def image_cases(rng: np.random.Generator, count: int) -> Iterator[tuple[str, bytes]]:
    import io

    from PIL import Image

    seeds = list(hostile_images().items())
    yield from seeds[:count]
    formats = [("PNG", None), ("TIFF", None), ("JPEG", "L"), ("BMP", "L"), ("GIF", "L")]
    made = len(seeds)
    while made < count:
        if rng.uniform() < 0.4:
            name, data = seeds[int(rng.integers(0, len(seeds)))]
            made += 1
            yield f"mutated {name}", mutate(data, rng)
            continue
        side = int(10 ** rng.uniform(0, 3.2))  # up to 1,600 px by 16,000 (the corpus has larger claims)
        shape = (side, int(max(1, side * 10 ** rng.uniform(-1, 1))))
        dtypes: list[type[np.generic]] = [np.uint8, np.uint16, np.int32, np.float32]
        dtype = dtypes[int(rng.integers(0, len(dtypes)))]
        values = rng.uniform(0, 1, shape).astype(np.float32)
        values[rng.uniform(size=shape) < 0.3] = rng.choice([0.0, 1.0, 4e37, -1.0, np.nan, np.inf])
        with np.errstate(all="ignore"):
            if np.issubdtype(dtype, np.floating):
                array = values.astype(dtype)
            else:
                array = (np.nan_to_num(np.clip(values, 0, 1)) * np.iinfo(dtype).max).astype(dtype)  # type: ignore[type-var]
        fmt, needs = formats[int(rng.integers(0, len(formats)))]
        image = Image.fromarray(array)
        if needs is not None or (fmt == "PNG" and dtype in (np.int32, np.float32)):
            image = Image.fromarray(np.nan_to_num(array).clip(0, 255).astype(np.uint8))
        buffer = io.BytesIO()
        try:
            image.save(buffer, format=fmt)
        except (OSError, ValueError, TypeError):
            continue  # a combination this Pillow cannot write: not an input
        del values, array, image
        made += 1
        yield f"{fmt} {dtype.__name__} {shape}", buffer.getvalue()


def archive_cases(rng: np.random.Generator, count: int) -> Iterator[tuple[str, bytes]]:
    """Collection files: the hostile ones, the large ones (once), mutations of the small ones,
    and random drawing documents gathered into one."""
    seeds = list(hostile_archives().items())
    large = list(large_archives().items())
    yield from [*seeds, *large][:count]
    for _ in range(count - len(seeds) - len(large)):
        if rng.uniform() < 0.6:
            name, data = seeds[int(rng.integers(0, len(seeds)))]
            yield f"mutated {name}", mutate(data, rng)
        else:
            documents = [_random_drawing_document(rng).decode() for _ in range(int(rng.integers(1, 30)))]
            yield "random drawing documents", (ARCHIVE_HEADER + "[" + ", ".join(documents) + "]}").encode()


MANIFEST = "manifest.json"  # [[file name, label, kind], ...] for the checking process


def write_cases(phase: str, cases: Iterable[tuple[str, bytes]], folder: Path, *, kind: str | None = None) -> None:
    """Write each case to ``folder`` with a manifest: the checks run in a process of their own.
    ``kind``: how each is checked (default: read as a digit and as a number in turn)."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = []
    for index, (name, data) in enumerate(cases):
        path = folder / f"{phase}-{index:05d}.bin"
        path.write_bytes(data)
        manifest.append([path.name, name, kind or ("number" if index % 2 else "digit")])
    (folder / MANIFEST).write_text(json.dumps(manifest))


def model_cases(rng: np.random.Generator, count: int, folder: Path) -> None:
    """The hostile model corpus, byte mutations of a valid model and random metadata."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = hostile_models(folder / "corpus")
    manifest = [[str(path.relative_to(folder)), name, "model"] for name, path in corpus.items()]
    valid = make_linear_model(folder / "valid.onnx").read_bytes()
    keys = [META_SCALE, META_MEAN, META_STD, META_OUTPUT, META_DOUBT, META_INVERT]
    values = ["nan", "inf", "1e-45", "1e308", "-0", "255", "probabilities", "scores", "x", "", "true"]
    while len(manifest) < count:
        path = folder / f"model-{len(manifest):04d}.onnx"
        if rng.uniform() < 0.6:
            path.write_bytes(mutate(valid, rng))
            manifest.append([path.name, "mutated model", "model"])
        else:
            path.write_bytes(valid)
            chosen = {keys[int(i)]: values[int(rng.integers(0, len(values)))] for i in rng.integers(0, len(keys), 2)}
            write_metadata(path, chosen)
            manifest.append([path.name, f"metadata {chosen}", "model"])
    (folder / MANIFEST).write_text(json.dumps(manifest[:count]))
