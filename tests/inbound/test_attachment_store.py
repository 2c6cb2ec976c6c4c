"""Attachments reach the disk before the batch's commit records them as stored.

A power cut after the commit must not leave a row that says "stored" over a file
that is empty or missing: the file's data and the folder entry naming it are
synced before save() returns. The spy records what was synced, by path, in order
with the rename; the files are real.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from mailflow.inbound.attachments import AttachmentStore
from mailflow.inbound.message import Attachment


def _photo(data: bytes) -> Attachment:
    return Attachment("crack.jpg", "image/jpeg", len(data), hashlib.sha256(data).hexdigest(), data)


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        events.append("fsync " + os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    def replace(source: str | os.PathLike[str], target: str | os.PathLike[str]) -> None:
        events.append(f"replace {source} -> {target}")
        real_replace(source, target)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    return events


def test_the_file_then_its_name_are_synced_before_save_returns(tmp_path: Path, synced: list[str]) -> None:
    root = tmp_path / "attachments"
    root.mkdir()
    store = AttachmentStore(root, max_bytes=1_000_000)
    photo = _photo(b"\xff\xd8" + os.urandom(2_000))
    assert store.save(photo)
    target = store.path_for(photo.sha256)
    assert target.read_bytes() == photo.payload
    # Its folder was new: the root's entry for it first; then the data, the rename, the new name.
    new_folder, data, rename, name = synced
    assert new_folder == f"fsync {root}"
    assert data.startswith(f"fsync {target.parent}/.{target.name}.") and data.endswith(".part")
    assert rename.startswith("replace ") and rename.endswith(f"-> {target}")
    assert name == f"fsync {target.parent}"

    synced.clear()  # the same content again: already there, nothing written or synced
    assert store.save(photo) and synced == []


def test_a_file_over_the_cap_is_not_written(tmp_path: Path, synced: list[str]) -> None:
    store = AttachmentStore(tmp_path, max_bytes=10)
    photo = _photo(b"x" * 11)
    assert not store.save(photo) and not store.path_for(photo.sha256).exists() and synced == []
