"""Shared by the benchmarks: a Dovecot, realistic messages, a mailflow settings file."""

from __future__ import annotations

import base64
import sys
import uuid
from email.message import EmailMessage
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mailflow.demo.messages import fake_jpeg  # noqa: E402
from tests.support.dovecot import PASSWORD, Dovecot  # noqa: E402
from tests.support.settings import write_settings as _test_settings  # noqa: E402

__all__ = ["PASSWORD", "Dovecot", "realistic_messages", "write_settings"]


def write_settings(*args: Any, **kwargs: Any) -> Path:
    """The tests' settings.toml, but with the tagging model on: a benchmark measures the product."""
    return _test_settings(*args, **{"model": "builtin", **kwargs})


BODIES = [
    "Dear team,\n\nContainer CSQU3054383 arrived today. 14 cartons were crushed and the mugs inside are broken.\n"
    "Please advise how you will solve this. PO 4500123.\n\nBest regards\nMaria Lopez\nHarbor Imports\n",
    "Hello,\n\nWe have paid invoice INV-2041 today, the TT copy is attached.\n\nThanks\nAccounts\n",
    "Hi,\n\nPlease send us the PI for 2,000 sets of the blue mugs, same packing as last time.\n\n"
    "On Mon, 16 Nov 2026 at 09:00, Sales <sales@ningbo-homeware.example> wrote:\n> Thank you for your order.\n",
    "Buenos días,\n\nLos platos del pedido 7781 llegaron rotos y las cajas mojadas.\n\nSaludos\nCarlos\n",
]


def realistic_message(index: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Buyer {index % 300} <buyer{index % 300}@importer{index % 300}.example>"
    msg["To"] = "sales@ningbo-homeware.example"
    if index % 5 == 0:
        msg["Subject"] = (
            "=?gb2312?B?" + base64.b64encode(f"货物破损投诉 订单{index}".encode("gb2312")).decode() + "?="
        )
    else:
        msg["Subject"] = f"Order {index}: question about shipment"
    msg["Message-ID"] = f"<{uuid.uuid4().hex}.{index}@importer.example>"
    msg["Date"] = "Mon, 16 Nov 2026 09:00:00 +0800"
    msg.set_content(BODIES[index % len(BODIES)])
    if index % 4 == 0:
        msg.add_attachment(
            fake_jpeg(50_000, index), maintype="image", subtype="jpeg", filename=f"IMG_{index}.jpg"
        )
    return msg.as_bytes()


def realistic_messages(count: int) -> list[bytes]:
    return [realistic_message(index) for index in range(count)]
