"""Check corpus batches against docs/labelling.md and count what they hold.

    python3 tools/check_corpus.py [corpus/BATCH.toml ...]   (default: every batch)

Needs only the standard library and this checkout (no venv), so labellers can run it.
"""

from __future__ import annotations

import collections
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailflow.inbound.classify.corpus import batch_files, problems  # noqa: E402


def main(paths: list[Path]) -> int:
    bad = 0
    counts: collections.Counter[str] = collections.Counter()
    ids: collections.Counter[str] = collections.Counter()
    for path in paths:
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            print(f"{path.name}: not valid TOML: {error}")
            bad += 1
            continue
        for message in document.get("message", []):
            ids[message.get("id", "?")] += 1
            for problem in problems(message):
                print(f"{path.name}: {message.get('id')}: {problem}")
                bad += 1
            counts["messages"] += 1
            counts[f"language {message.get('language')}"] += 1
            for tag in message.get("tags", []):
                counts[tag] += 1
            if message.get("severity") == "high":
                counts["severity high"] += 1
            if not message.get("tags"):
                counts["no tags"] += 1
    for duplicate in sorted(id_ for id_, n in ids.items() if n > 1):
        print(f"id {duplicate} is used {ids[duplicate]} times")
        bad += 1
    for key in sorted(counts):
        print(f"{counts[key]:6d}  {key}")
    print("OK" if not bad else f"{bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    given = [Path(arg) for arg in sys.argv[1:]] or batch_files(REPO / "corpus")
    sys.exit(main(given))
