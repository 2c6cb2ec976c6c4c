"""Assign the corpus's dev and test splits and freeze the test split with its checksum.

    python3 tools/freeze_split.py

Run once: the split follows a hash of each id (27 % test, 18 % dev, the rest
train). Once corpus/splits.toml exists its test split is never changed; messages
added later go to train or dev (by the same hash), never to test.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailflow.inbound.classify.corpus import SPLITS_FILE, checksum, read_corpus, read_splits  # noqa: E402

TEST_PERCENT, DEV_PERCENT = 27, 18


def bucket(message_id: str) -> int:
    return int(hashlib.sha256(message_id.encode()).hexdigest(), 16) % 100


def main() -> int:
    folder = REPO / "corpus"
    messages = read_corpus(folder)
    if (folder / SPLITS_FILE).exists():
        # Frozen: the same test messages and the checksum recorded with them, never a new one.
        splits = read_splits(folder)
        test_ids, frozen = set(splits.test), splits.test_sha256
    else:
        test_ids, frozen = {m.id for m in messages if bucket(m.id) < TEST_PERCENT}, ""
    dev_ids = {m.id for m in messages if m.id not in test_ids and bucket(m.id) < TEST_PERCENT + DEV_PERCENT}
    test = [m for m in messages if m.id in test_ids]
    if frozen and checksum(test) != frozen:
        print("the frozen test split changed since it was frozen: restore it, do not re-freeze it")
        return 1
    lines = [
        "# The corpus split (tools/freeze_split.py). The test split is frozen: test_sha256 covers its",
        "# messages' text and labels, and it is never used to choose rules, features or thresholds.",
        f'test_sha256 = "{frozen or checksum(test)}"',
        "dev = [",
        *(f'  "{i}",' for i in sorted(dev_ids)),
        "]",
        "test = [",
        *(f'  "{i}",' for i in sorted(test_ids)),
        "]",
    ]
    (folder / SPLITS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(messages)} messages: {len(test)} test ({sum(m.complaint for m in test)} complaints), "
          f"{len(dev_ids)} dev, {len(messages) - len(test) - len(dev_ids)} train")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
