"""`mailflow demo` runs the real pipeline end to end and tells the truth about it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_the_demo_tags_logs_and_opens_cases(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mailflow", "demo", "--keep", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "sales/INBOX: 13 fetched, 13 logged, 0 already logged, 0 quarantined" in done.stderr
    assert "sales/INBOX: 0 fetched, 0 logged" in done.stderr
    assert "货物破损投诉 订单PO20261102" in out
    assert "high-severity: cancelar el pedido" in out
    assert "[PO 4500123, container CSQU3054383]" in out and "[PO20261102]" in out
    assert "out-of-office subject" in out
    assert "6 acknowledgement(s) drafted" in done.stderr
    assert "ack.quality.breakage.zh" in out and "尊敬的李华，您好！" in out
    assert "outbox: nothing to send" in done.stderr  # before approval
    assert "outbox: 1 sent" in done.stderr  # after it, once
    sink = out.split("== SMTP sink received 1 message(s)")[1]
    assert "Subject: Re: 货物破损投诉 订单PO20261102" in sink and "In-Reply-To: <20261116130501" in sink
    assert (tmp_path / "mailflow.db").exists()
