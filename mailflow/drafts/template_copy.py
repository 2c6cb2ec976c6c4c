"""`mailflow templates copy DIR` and `mailflow init`: the shipped templates as the operator's own to adapt.

Only what the operator edits is copied: the template files and their README.
A file already in DIR is the operator's work and is kept unless `force`. The
copies are 0600 in a 0700 folder (store/private_files): templates are not
secret, but the folder sits beside settings.toml and buyer mail.
"""

from __future__ import annotations

from pathlib import Path

from mailflow.drafts.templates import SHIPPED_TEMPLATES
from mailflow.store.private_files import make_private_folder, write_private


def shipped_files(shipped: Path = SHIPPED_TEMPLATES) -> list[Path]:
    return sorted([*shipped.glob("*.j2"), shipped / "README.md"])


def copy_shipped(
    folder: Path, force: bool = False, shipped: Path = SHIPPED_TEMPLATES
) -> tuple[list[str], list[str]]:
    """(names copied, names kept because they existed) in `folder`, created 0700 if missing."""
    make_private_folder(folder)
    copied, kept = [], []
    for source in shipped_files(shipped):
        target = folder / source.name
        if target.exists() and not force:
            kept.append(source.name)
            continue
        write_private(target, source.read_bytes())
        copied.append(source.name)
    return copied, kept
