"""The overview page's charts: figures in, SVG text out (pygal), to be inlined in the page. Pure.

The page's Content-Security-Policy runs no script and allows inline styles
only, so every chart is stripped of the <script> pygal always writes (its
tooltips' configuration; `js=[]` only drops the external file) by an XML
filter before it is serialised; what is left is shapes, text and one inline
<style>. Without `width`/`height` the SVG scales to its box through its
viewBox. The chart is an image to a screen reader (role="img", its title); the
numbers are in the table the page sets beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import Element

import pygal
from pygal.style import Style

Value = float | int | None
Series = Sequence[tuple[str, Sequence[Value]]]

# Small enough that its 14 px text stays readable when a phone scales the chart to its width.
WIDTH, HEIGHT = 480, 300
_STYLE = Style(
    font_family='system-ui, -apple-system, "Segoe UI", "PingFang SC", "Microsoft YaHei", sans-serif',
    background="transparent",
    plot_background="transparent",
    foreground="#1c1c1c",
    foreground_strong="#1c1c1c",
    foreground_subtle="#666",
    # Distinguishable for the common colour blindnesses (Okabe and Ito's palette).
    colors=("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"),
    label_font_size=14,
    major_label_font_size=14,
    legend_font_size=14,
    value_font_size=12,
    tooltip_font_size=14,
    no_data_font_size=20,
)


def stacked_bars(title: str, labels: Sequence[str], series: Series, no_data: str) -> str:
    """One bar per label, each series stacked on the one before (complaints per week by category:
    whole numbers, so the axis has whole steps)."""
    tallest = max((sum(values[i] or 0 for _, values in series) for i in range(len(labels))), default=0)
    # Without a series pygal cannot place y labels (it draws its "no data" text instead).
    steps = {"y_labels": _whole_steps(tallest)} if series else {}
    return _render(pygal.StackedBar, title, labels, series, no_data, **steps)


def bars(title: str, labels: Sequence[str], series: Series, no_data: str) -> str:
    """Side-by-side bars per label, one per series (median and p90 hours; amounts per bucket)."""
    return _render(pygal.Bar, title, labels, series, no_data)


def _whole_steps(tallest: float) -> list[int]:
    """0 up to `tallest` in at most about six whole steps."""
    step = max(1, math.ceil(tallest / 6))
    return list(range(0, int(tallest) + step + 1, step)) if tallest else [0, 1]


def _render(
    kind: Any, title: str, labels: Sequence[str], series: Series, no_data: str, **options: Any
) -> str:
    chart = kind(
        style=_STYLE,
        width=WIDTH,
        height=HEIGHT,
        explicit_size=False,  # no width/height attributes: the viewBox scales it to the page
        disable_xml_declaration=True,
        js=[],
        legend_at_bottom=True,
        show_legend=len(series) > 1,
        no_data_text=no_data,
        margin=8,
        truncate_label=-1,  # labels whole: the callers keep them short, "not d..." would say nothing
        **options,
    )
    chart.add_xml_filter(_as_image(title))
    chart.x_labels = list(labels)
    for name, values in series:
        chart.add(name, list(values))
    svg: str = chart.render(is_unicode=True)
    return svg


def _as_image(title: str) -> Any:
    """An XML filter: no script, no comments, the title for screen readers."""

    def apply(root: Element) -> Element:
        for parent in root.iter():
            for child in list(parent):
                if not isinstance(child.tag, str) or child.tag.rpartition("}")[2] == "script":
                    parent.remove(child)  # comments have a function for a tag
        for element in root:
            if element.tag.rpartition("}")[2] == "title":
                element.text = title
        root.set("role", "img")
        root.set("aria-label", title)
        return root

    return apply
