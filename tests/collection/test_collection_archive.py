from __future__ import annotations

import json
from pathlib import Path

import pytest
from strokes import compose

from digitcanvas.collection.archive import ArchiveReadError, export_collection, import_collection, read_archive
from digitcanvas.collection.state import Collection
from digitcanvas.drawing.file import drawing_to_dict


def _collection(folder: Path, names: list[str]) -> Collection:
    collection = Collection.open(folder)
    for name in names:
        drawing, _ = compose([name])
        collection.add(drawing, int(name[0]))
    return collection


def test_a_collection_moves_to_another_machine_whole(tmp_path: Path) -> None:
    mine = _collection(tmp_path / "mine", ["1", "7crossed", "4two"])
    archive = export_collection(mine.drawings, tmp_path / "class.dccollection")
    theirs = Collection.open(tmp_path / "theirs")
    result = import_collection(archive, theirs)
    assert (result.added, result.already_there, result.problems) == (3, 0, [])
    assert sorted(Collection.open(tmp_path / "theirs").labels) == [1, 4, 7]
    again = import_collection(archive, theirs)  # importing twice adds nothing twice
    assert (again.added, again.already_there) == (0, 3)
    assert len(list((tmp_path / "theirs").glob("*.json"))) == 3


def test_bad_entries_are_listed_and_the_rest_imported(tmp_path: Path) -> None:
    good = drawing_to_dict(_collection(tmp_path / "a", ["3"]).drawings[0])
    unlabelled = dict(good)
    del unlabelled["label"]
    path = tmp_path / "mixed.dccollection"
    path.write_text(json.dumps({"format": "digitcanvas-collection", "version": 1, "drawings": [good, unlabelled, 5]}))
    drawings, problems = read_archive(path)
    assert [d.label for d in drawings] == [3]
    assert problems[0] == "drawing 2: has no label" and problems[1].startswith("drawing 3:")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{nope", "not valid JSON"),
        (b'{"format": "other"}', "not a DigitCanvas collection file"),
        (b'{"format": "digitcanvas-collection", "version": 9, "drawings": []}', "version 9"),
        (b'{"format": "digitcanvas-collection", "version": 1}', '"drawings" is missing'),
        (b"[" * 100_000 + b"]" * 100_000, "nests arrays and objects over 18 deep"),
    ],
)
def test_unreadable_collection_files_say_why(tmp_path: Path, payload: bytes, reason: str) -> None:
    path = tmp_path / "bad.dccollection"
    path.write_bytes(payload)
    with pytest.raises(ArchiveReadError, match=reason):
        read_archive(path)
    with pytest.raises(ArchiveReadError, match="not a regular file"):
        read_archive(tmp_path)


def test_a_drawing_kept_here_with_another_label_stays_one_entry_with_its_own_label(tmp_path: Path) -> None:
    mine = _collection(tmp_path / "mine", ["1", "0"])
    relabelled = [d.with_label(9) if d.label == 0 else d for d in mine.drawings]
    archive = export_collection(relabelled + relabelled[:1], tmp_path / "theirs.dccollection")
    result = import_collection(archive, mine)
    assert (result.added, result.already_there, result.other_label) == (0, 3, 1)
    assert sorted(Collection.open(tmp_path / "mine").labels) == [0, 1]


def test_a_repeat_within_the_file_is_imported_once(tmp_path: Path) -> None:
    drawings = _collection(tmp_path / "a", ["3"]).drawings
    archive = export_collection(drawings * 2, tmp_path / "twice.dccollection")
    result = import_collection(archive, Collection.open(tmp_path / "b"))
    assert (result.added, result.already_there, result.other_label) == (1, 1, 0)
    assert len(list((tmp_path / "b").glob("*.json"))) == 1
