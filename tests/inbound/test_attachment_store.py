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

from mailflow.inbound.attachments import AttachmentBatch, AttachmentStore
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


def _tree(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


def test_a_batch_syncs_its_files_together_each_before_its_name(tmp_path: Path, synced: list[str]) -> None:
    """One journal commit per batch, not two per file; still data, then name, then the folder's entry."""
    store = AttachmentStore(tmp_path, max_bytes=1_000_000)
    photos = [_photo(bytes([n]) * 500) for n in range(6)]
    with store.batch() as batch:
        assert all(batch.add(photo) for photo in photos)
        assert batch.add(photos[0])  # the same content twice in one batch: written once
        # Not yet named: a crash now leaves only temporaries, which no row refers to.
        assert not any(store.path_for(photo.sha256).exists() for photo in photos)
        assert synced == []
    for photo in photos:
        assert store.path_for(photo.sha256).read_bytes() == photo.payload
    assert not [name for name in _tree(tmp_path) if name.endswith(".part")]
    data = [event for event in synced if event.endswith(".part")]
    renames = [event for event in synced if event.startswith("replace ")]
    folders = [event for event in synced if event.startswith("fsync ") and not event.endswith(".part")]
    assert len(data) == len(renames) == len(photos)
    assert synced.index(data[-1]) < synced.index(renames[0])  # every file's data before any name
    parents = {f"fsync {store.path_for(photo.sha256).parent}" for photo in photos}
    assert folders[0] == f"fsync {tmp_path}"  # the new folders' entries first
    assert sorted(folders[1:]) == sorted(parents)  # then each folder once, after the renames
    assert all(synced.index(folder) > synced.index(renames[-1]) for folder in folders[1:])


def test_many_pending_files_are_flushed_before_the_batch_ends(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path, max_bytes=1_000_000)
    photos = [_photo(n.to_bytes(2, "big") * 50) for n in range(AttachmentBatch.MAX_PENDING + 1)]
    with store.batch() as batch:
        for photo in photos:
            batch.add(photo)
        named = [photo for photo in photos if store.path_for(photo.sha256).exists()]
        assert named == photos[: AttachmentBatch.MAX_PENDING]  # bounded open descriptors
    assert all(store.path_for(photo.sha256).exists() for photo in photos)


def test_a_batch_that_fails_leaves_no_file_behind(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path, max_bytes=1_000_000)
    with pytest.raises(RuntimeError), store.batch() as batch:
        batch.add(_photo(b"\xff\xd8 first"))
        batch.add(_photo(b"\xff\xd8 second"))
        raise RuntimeError("the worker stopped mid-batch")
    assert _tree(tmp_path) == []


def test_a_failed_sync_removes_the_temporaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = AttachmentStore(tmp_path, max_bytes=1_000_000)
    photo = _photo(b"\xff\xd8 disk full")

    def fsync(descriptor: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(OSError, match="No space"):
        store.save(photo)
    assert _tree(tmp_path) == []
