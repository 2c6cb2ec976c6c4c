"""`mailflow model train/info`: the learned tagging model beside the rules."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mailflow.cli.output import command_group


def add_parsers(commands: Any) -> None:
    model = command_group(commands, "model", "the learned tagging model (issue #16)", plain=model_command)
    train = model.add_parser(
        "train", help="train it from the labelled corpus; the same corpus gives the same file"
    )
    train.add_argument("--corpus", default="corpus", help="folder of labelled batches (default: ./corpus)")
    train.add_argument("--out", help="model file to write (default: the one shipped in the package)")
    train.add_argument(
        "--with-corrections",
        action="store_true",
        help="add the reviewers' tag corrections from the database in the settings to the training data",
    )
    info = model.add_parser("info", help="where the model is, what it was trained on, its thresholds")
    info.add_argument("--file", default="builtin", help="model file (default: the shipped one)")


def model_command(args: argparse.Namespace) -> int:
    if args.action == "info":
        return _info(args.file)
    from mailflow.inbound.classify.model import builtin_path
    from mailflow.inbound.classify.training import train_corpus

    out = Path(args.out) if args.out else builtin_path()
    meta = train_corpus(Path(args.corpus), out, _corrections(args) if args.with_corrections else ())
    print(
        f"model: {out}: {meta['features']} features from {meta['training_messages']} training messages, "
        f"thresholds chosen on them out of fold and {meta['dev_messages']} dev messages (test split not read)"
    )
    return 0


def _info(location: str) -> int:
    from mailflow.inbound.classify.model import BUILTIN, builtin_path, load

    model = load(location)
    print(f"model: {builtin_path() if location == BUILTIN else location}")
    for key, value in sorted(model.meta.items()):
        print(f"  {key}: {value}")
    for name in model.outputs:
        print(f"  threshold {name}: {model.thresholds[name]:.2f}")
    return 0


def _corrections(args: argparse.Namespace) -> list[Any]:
    """The reviewers' corrections in the database the settings name, as training examples."""
    from mailflow.config import settings as config
    from mailflow.inbound.classify.training import correction_example
    from mailflow.review.retag import latest_corrections
    from mailflow.store.engine import Store

    store = Store(config.load(config.config_path(args.config)).database_url)
    try:
        found = [correction_example(*row) for row in latest_corrections(store)]
    finally:
        store.close()
    print(f"model: {len(found)} corrected message(s) from the database added to the training data")
    return found
