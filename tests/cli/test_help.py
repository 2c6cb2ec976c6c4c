"""Every command, subcommand and option of `mailflow` says in one line what it does."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from mailflow.cli.main import build_parser
from tests.support.cli import command_parsers


def _undocumented(parser: argparse.ArgumentParser, path: str) -> Iterator[str]:
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if isinstance(action, argparse._SubParsersAction):
            helped = {choice.dest for choice in action._choices_actions if choice.help}
            yield from (f"{path} {name}" for name in action.choices if name not in helped)
        elif not action.help:
            yield f"{path} {'/'.join(action.option_strings) or action.dest}"


def test_every_command_and_option_has_a_one_line_help_text() -> None:
    missing = [
        name
        for path, parser in command_parsers(build_parser())
        for name in _undocumented(parser, " ".join(("mailflow", *path)))
    ]
    assert missing == []


def test_help_texts_are_one_line() -> None:
    texts = [
        action.help
        for _, parser in command_parsers(build_parser())
        for action in parser._actions
        if isinstance(action.help, str)
    ]
    assert texts and all("\n" not in text for text in texts)
