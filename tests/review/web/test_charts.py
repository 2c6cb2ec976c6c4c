"""The overview's charts: SVG the page's Content-Security-Policy allows, scaled by the page, titled."""

from __future__ import annotations

import re
import time
from xml.etree import ElementTree

from mailflow.review.web.charts import bars, stacked_bars

WEEKS = ["W46", "W47", "W48"]


def _chart() -> str:
    return stacked_bars(
        "Complaints <b>& more</b>", WEEKS,
        [("quality", [1, 0, 2]), ("ship <script>alert(1)</script>", [0, 3, 1])], "No data",
    )  # fmt: skip


def test_a_chart_has_no_script_no_link_and_no_comment() -> None:
    svg = _chart()
    assert "<script" not in svg and "href" not in svg and "<!--" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg  # a category name is text, escaped


def test_a_chart_scales_to_its_box_and_is_an_image_with_a_title() -> None:
    root = ElementTree.fromstring(_chart())  # noqa: S314 (our own chart, not received data)
    assert root.get("viewBox") == "0 0 480 300"
    assert root.get("width") is None and root.get("height") is None
    assert root.get("role") == "img" and root.get("aria-label") == "Complaints <b>& more</b>"
    title = root.find("{http://www.w3.org/2000/svg}title")
    assert title is not None and title.text == "Complaints <b>& more</b>"


def test_counts_are_drawn_on_whole_steps() -> None:
    labels = re.findall(r'class="(?:major|)">([\d.]+)</text>', _chart())
    assert labels and all("." not in label for label in labels)  # the tallest bar is 4: 0, 1, ... 4


def test_a_chart_without_figures_says_so() -> None:
    assert "No complaints" in stacked_bars("Complaints", WEEKS, [], "No complaints")
    assert "No data" in bars("Ageing", ["not due", "1-30"], [("USD", [None, None])], "No data")


def test_a_chart_costs_milliseconds() -> None:
    """A generous bound on a busy machine; the report states the measured cost."""
    start = time.perf_counter()
    for _ in range(10):
        bars("Hours", WEEKS * 3, [("median", [1.5] * 9), ("p90", [4.0] * 9)], "No data")
    assert (time.perf_counter() - start) / 10 < 0.5
