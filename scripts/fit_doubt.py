#!/usr/bin/env python3
"""Fit a model's "Not sure" threshold on UNIPEN validation writers and store it in the model.

``scripts/train.py`` does this at the end of training; this script does it for a model
that is already trained (yours, or the bundled one after a change of rule), without
touching its weights:

    python scripts/fit_doubt.py MODEL.onnx --unipen ../shared/data/unipen-digits [--out OUT.onnx]

The validation writers' digits go through the app's own canvas placement, preprocessing
and inference; ``digitcanvas.doubt.fit_threshold`` picks the highest threshold that flags
at most 3 % of an unseen set of writers as large as the test split, with 95 % confidence.
The threshold is written to the ONNX metadata (``digitcanvas.doubt_threshold``) through a
temporary file and a rename, and to the ``.train.json`` facts beside the model if there
are any. The test writers are not read beyond counting them.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from digitcanvas.doubt import FIT_CONFIDENCE, MAX_FLAG_RATE, META_DOUBT, fit_threshold  # noqa: E402
from digitcanvas.drawing import write_atomic  # noqa: E402
from digitcanvas.inference import Classifier, ModelLoadError  # noqa: E402
from digitcanvas.preprocessing import preprocess_drawing  # noqa: E402
from digitcanvas.unipen import load_samples, to_canvas, writer_split  # noqa: E402


def update_facts(source: Path, target: Path, threshold: float, fit: dict[str, object]) -> Path | None:
    """Record the new threshold in the model's training facts, if it has any; the file written."""
    if not source.is_file():
        return None
    try:
        facts = json.loads(source.read_text())
        facts["doubt_threshold"] = threshold
        facts["doubt_fit"] = fit
        write_atomic(target, (json.dumps(facts, indent=2) + "\n").encode())
    except (OSError, ValueError) as e:
        print(f"warning: {target} not updated: {e}", file=sys.stderr)
        return None
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="ONNX model")
    parser.add_argument("--unipen", required=True, help="UNIPEN digits folder or .jsonl.gz")
    parser.add_argument("--out", help="where to write the model with its threshold (default: in place)")
    args = parser.parse_args(argv)
    try:
        import onnx
        from google.protobuf.message import DecodeError
    except ImportError:
        print("error: writing ONNX metadata needs the 'onnx' package: pip install -e '.[train]'", file=sys.stderr)
        return 2
    model_path = Path(args.model)
    out = Path(args.out) if args.out else model_path
    try:
        classifier = Classifier(model_path)
        model = onnx.load(str(model_path))
        samples = load_samples(args.unipen)
    except (ModelLoadError, DecodeError, OSError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    split = writer_split(samples)
    val = [s for s in samples if split[s.writer_key] == "val"]
    test_writers = sum(1 for part in split.values() if part == "test")
    if not val:
        print(f"error: {args.unipen}: no validation writers", file=sys.stderr)
        return 2

    images = np.stack([preprocess_drawing(to_canvas(s)) for s in val])
    probs = classifier.predict_proba(images)
    top = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.array([s.label for s in val])
    writers = [s.writer_key for s in val]
    threshold = fit_threshold(top, writers, new_writers=test_writers or None)
    flagged = top < threshold
    old = classifier.metadata.get(META_DOUBT)
    print(
        f"{classifier.describe()}: {len(val):,} digits of {len(set(writers))} validation writers, "
        f"{correct.mean():.2%} correct"
    )
    print(
        f"threshold {threshold:.4f} (was {old or 'unset'}): flags {flagged.mean():.2%} of them; "
        f"accepted accuracy {correct[~flagged].mean():.2%}; fitted so that at most {MAX_FLAG_RATE:.0%} "
        f"of {test_writers or len(set(writers))} unseen writers' digits are flagged, {FIT_CONFIDENCE:.0%} sure"
    )

    entries = [p for p in model.metadata_props if p.key != META_DOUBT]
    del model.metadata_props[:]
    model.metadata_props.extend(entries)
    entry = model.metadata_props.add()
    entry.key, entry.value = META_DOUBT, f"{threshold:.4f}"
    try:
        write_atomic(out, model.SerializeToString())
    except OSError as e:
        print(f"error: cannot write {out}: {e}", file=sys.stderr)
        return 2
    command = "python " + " ".join(
        shlex.quote(a) for a in ["scripts/fit_doubt.py", *(argv if argv is not None else sys.argv[1:])]
    )
    fit = {
        "command": command,
        "validation_digits": len(val),
        "validation_writers": len(set(writers)),
        "new_writers": test_writers,
        "max_flag_rate": MAX_FLAG_RATE,
        "confidence": FIT_CONFIDENCE,
        "validation_flagged": float(flagged.mean()),
        "validation_accepted_accuracy": float(correct[~flagged].mean()),
    }
    card = update_facts(model_path.with_suffix(".train.json"), out.with_suffix(".train.json"), threshold, fit)
    print(f"wrote {out}" + (f" and {card}" if card else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
