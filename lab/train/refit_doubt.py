"""Fit a model's "Not sure" threshold on validation writers (UNIPEN, DigiLeTs) and store it in the model.

``python -m lab.train`` does this at the end of training; this module does it for a model
that is already trained (yours, or the bundled one after a change of rule), without
touching its weights:

    python -m lab.train.refit_doubt MODEL.onnx --unipen ../shared/data/unipen-digits \
        [--digilets ../shared/data/digilets-digits] [--out OUT.onnx]

The validation writers' digits (both sources' together, when DigiLeTs is given) are read
by the app's own reader (canvas placement, preprocessing, inference);
:func:`lab.train.doubt_threshold.fit_threshold` picks the highest threshold that flags at most 3 % of
an unseen set of writers as large as the test splits, with 95 % confidence. The threshold
is written to the ONNX metadata
(``digitcanvas.doubt_threshold``) by :func:`digitcanvas.model.info.write_metadata`
(atomically; every other byte of the model is kept), and to the ``.train.json`` facts
beside the model if there are any. The test writers are not read beyond counting them.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from digitcanvas.model.classifier import Classifier, ModelLoadError
from digitcanvas.model.info import META_DOUBT, ModelWriteError, write_metadata
from digitcanvas.reading.reader import Reader
from digitcanvas.util.files import describe_os_error, write_atomic
from lab.console import fail
from lab.data import digilets
from lab.data.unipen import PenSample, load_samples, to_canvas, writer_split
from lab.train.doubt_threshold import FIT_CONFIDENCE, MAX_FLAG_RATE, fit_threshold

COMMAND = "python -m lab.train.refit_doubt"


def update_facts(source: Path, target: Path, threshold: float, fit: Mapping[str, object]) -> Path | None:
    """Record the new threshold in the model's training facts, if it has any; the file written."""
    if not source.is_file():
        return None
    try:
        facts = json.loads(source.read_text())
        facts["doubt_threshold"] = threshold
        facts["doubt_fit"] = dict(fit)
    except (OSError, ValueError) as e:
        reason = describe_os_error(e) if isinstance(e, OSError) else str(e)
        print(f"warning: {target} not updated: cannot read {source} ({reason})", file=sys.stderr)
        return None
    try:
        return write_atomic(target, (json.dumps(facts, indent=2) + "\n").encode())
    except OSError as e:
        print(f"warning: {target} not updated: cannot write it ({describe_os_error(e)})", file=sys.stderr)
        return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m lab.train.refit_doubt",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("model", help="ONNX model")
    parser.add_argument("--unipen", required=True, help="UNIPEN digits folder or .jsonl.gz")
    parser.add_argument("--digilets", help="DigiLeTs digits folder or .jsonl.gz (its validation writers join)")
    parser.add_argument("--out", help="where to write the model with its threshold (default: in place)")
    args = parser.parse_args(argv)
    model_path = Path(args.model)
    out = Path(args.out) if args.out else model_path
    try:
        classifier = Classifier(model_path)
        samples = load_samples(args.unipen)
        pen = digilets.load_digits(args.digilets) if args.digilets else []
    except (ModelLoadError, OSError, ValueError) as e:
        return fail(str(e))
    split = writer_split(samples)
    val: list[PenSample] = [s for s in samples if split[s.writer_key] == "val"]
    test_writers = sum(1 for part in split.values() if part == "test")
    if pen:
        pen_split = digilets.writer_split(s.writer for s in pen)
        val += digilets.select(pen, "val", split=pen_split)
        test_writers += sum(1 for part in pen_split.values() if part == "test")
    if not val:
        return fail(f"{args.unipen}: no validation writers")

    readings = Reader(classifier).read_drawings([to_canvas(s) for s in val])
    top = np.array([r.digits[0].confidence for r in readings])
    correct = np.array([r.digits[0].digit for r in readings]) == np.array([s.label for s in val])
    writers = [s.writer_key for s in val]
    threshold = fit_threshold(top, writers, new_writers=test_writers or None)
    flagged = top < threshold
    old = classifier.info.metadata.get(META_DOUBT)
    print(
        f"{classifier.describe()}: {len(val):,} digits of {len(set(writers))} validation writers, "
        f"{correct.mean():.2%} correct"
    )
    print(
        f"threshold {threshold:.4f} (was {old or 'unset'}): flags {flagged.mean():.2%} of them; "
        f"accepted accuracy {correct[~flagged].mean():.2%}; fitted so that at most {MAX_FLAG_RATE:.0%} "
        f"of {test_writers or len(set(writers))} unseen writers' digits are flagged, {FIT_CONFIDENCE:.0%} sure"
    )

    try:
        write_metadata(model_path, {META_DOUBT: f"{threshold:.4f}"}, out=out)
    except ModelWriteError as e:
        return fail(str(e))
    command = " ".join([COMMAND, *(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))])
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
    raise SystemExit(main())
