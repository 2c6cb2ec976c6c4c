"""Writes a settings.toml for a test and loads it through the real config loader."""

from __future__ import annotations

from pathlib import Path

from mailflow.config import settings as config
from mailflow.config.settings import Settings
from mailflow.store.engine import Store

TEMPLATES = Path(__file__).resolve().parents[2] / "mailflow" / "drafts" / "shipped_templates"


def write_settings(
    directory: Path,
    database_url: str,
    imap_port: int,
    username: str,
    password: str,
    folders: tuple[str, ...] = ("INBOX",),
    address: str = "sales@ningbo-homeware.example",
    extra: str = "",
    fetch: dict[str, float] | None = None,
    migrate: bool = True,
    model: str = "off",
) -> Path:
    """settings.toml in `directory`; with `migrate`, its database is brought to the schema (`db upgrade`).

    The tagging model is off unless asked for: these tests pin the plumbing, and a retrained model may
    tag a test message differently. The model is judged on the corpus (test_tagging_regression) and
    runs in the demo and the tests that pass `model="builtin"`.
    """
    fetch_keys = {"batch_size": 50, "noop_seconds": 5, "timeout_seconds": 5, "max_backoff_seconds": 2} | (
        fetch or {}
    )
    fetch_lines = "\n".join(f"{key} = {value}" for key, value in fetch_keys.items())
    folder_list = ", ".join(f'"{folder}"' for folder in folders)
    path = directory / "settings.toml"
    path.write_text(
        f"""
[database]
url = "{database_url}"

[storage]
data_dir = "{directory / "data"}"

[templates]
dir = "{TEMPLATES}"

[fetch]
{fetch_lines}

[classify]
model = "{model}"

[[mailbox]]
name = "sales"
address = "{address}"

[mailbox.imap]
host = "127.0.0.1"
port = {imap_port}
security = "none"
username = "{username}"
password = "{password}"
folders = [{folder_list}]
{extra}
""",
        encoding="utf-8",
    )
    if migrate:
        store = Store(database_url)
        store.create_schema()
        store.close()
    return path


def load_settings(path: Path) -> Settings:
    return config.load(path)


# The least settings.toml that loads: one mailbox, its password from the environment.
MINIMAL_MAILBOX = """
[[mailbox]]
name = "sales"
address = "sales@ningbo-homeware.example"
[mailbox.imap]
host = "imap.example.com"
password = "env:MAILFLOW_TEST_SECRET"
"""


def load_text(directory: Path, text: str) -> Settings:
    """`text` as settings.toml in `directory`, loaded."""
    path = directory / "settings.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path)
