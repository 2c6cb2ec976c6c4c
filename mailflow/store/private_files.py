"""Files and folders only mailflow's own user may read: 0600 and 0700, whatever the umask.

What mailflow keeps on disk is buyer mail (the database, attachments), password
hashes and secret references (settings.toml). The mode is set explicitly, not
left to the umask: the usual 022 would make all of it readable by every local
user. A folder or database that exists already keeps the mode its operator gave
it; a file mailflow writes anew is 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700


def make_private_folder(path: Path) -> None:
    """`path` and each missing parent, created 0700; a folder that exists is left as it is."""
    missing: list[Path] = []
    current = path
    while not current.is_dir() and current != current.parent:
        missing.append(current)
        current = current.parent
    for folder in reversed(missing):
        try:
            # Created without group or other bits (the umask can only take bits away), then
            # given exactly 0700: never, even for a moment, open to other users.
            folder.mkdir(FOLDER_MODE)
        except FileExistsError:
            if not folder.is_dir():
                raise
            continue  # another thread or process made it a moment ago, the same way
        folder.chmod(FOLDER_MODE)


def write_private(path: Path, data: bytes) -> None:
    """`data` as the whole content of `path`, a file that is 0600 from its first byte on."""
    with os.fdopen(open_private(path, data), "wb") as handle:
        # On disk before anyone relies on it: a commit that records the file comes after this.
        os.fsync(handle.fileno())


def open_private(path: Path, data: bytes) -> int:
    """`path` written anew with `data`, 0600 from its first byte on; its descriptor, open and not
    yet synced: the caller syncs it (one file now, or a batch of them together) and closes it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    try:
        # Also when the file existed with a looser mode: its new content is ours.
        os.fchmod(descriptor, FILE_MODE)
        with os.fdopen(descriptor, "wb", closefd=False) as handle:
            handle.write(data)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def sync_folder(path: Path) -> None:
    """The folder's entries (a file renamed into it, a folder made in it) on disk, as fsync does for data."""
    descriptor = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def create_private(path: Path) -> bool:
    """An empty file at `path`, 0600, unless something is there already (then False)."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return True


def make_private_tree(root: Path) -> None:
    """Every folder under `root` (itself included) 0700, every file 0600: for a copy mailflow just made."""
    root.chmod(FOLDER_MODE)
    for folder, folders, files in os.walk(root):
        for name in folders:
            (Path(folder) / name).chmod(FOLDER_MODE)
        for name in files:
            (Path(folder) / name).chmod(FILE_MODE)
