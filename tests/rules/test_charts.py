"""The server-drawn charts: bars and a line from plain numbers, labelled for screen readers, scaled by their
viewBox, with labels escaped and missing values drawn as gaps."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from portal.rules import charts


def _svg(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(text)  # noqa: S314 - our own output: well-formed XML, or this raises


def test_bars_are_one_per_item_longest_for_the_largest_value() -> None:
    svg = charts.bars([("赤坎", 50.0), ("霞山", 100.0), ("廉江", None)], labelledby="cap", unit="%", top=100)
    root = _svg(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "cap"
    assert root.get("width") == "100%"
    assert root.get("viewBox", "").startswith("0 0 320 ")
    widths = [float(w) for w in re.findall(r'<rect [^>]*width="([\d.]+)"', svg)]
    assert len(widths) == 2
    assert widths[1] == 2 * widths[0]
    assert "50%" in svg
    assert "100%" in svg
    assert "—" in svg


def test_bars_scale_to_the_largest_value_when_no_top_is_given_and_survive_all_zeros() -> None:
    svg = charts.bars([("a", 0.0), ("b", 0.0)], labelledby="cap")
    _svg(svg)
    assert re.findall(r'<rect [^>]*width="([\d.]+)"', svg) == ["0.0", "0.0"]
    assert charts.bars([], labelledby="cap").startswith("<svg")


def test_labels_are_escaped() -> None:
    svg = charts.bars([('<script>"x"</script>', 1.0)], labelledby='a"b')
    _svg(svg)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_a_line_breaks_where_a_month_has_no_value() -> None:
    svg = charts.line([("01", 10.0), ("02", 20.0), ("03", None), ("04", 5.0), ("05", 8.0)], labelledby="cap")
    root = _svg(svg)
    assert root.get("role") == "img"
    assert svg.count("<circle") == 4
    assert svg.count("<polyline") == 2  # 01-02 and 04-05
    ys = [float(y) for y in re.findall(r'cy="([\d.]+)"', svg)]
    assert ys[1] < ys[0]  # the higher value is drawn higher up


def test_a_single_point_is_drawn_in_the_middle() -> None:
    svg = charts.line([("11", 3.0)], labelledby="cap")
    assert 'cx="160.0"' in svg
    assert "<polyline" not in svg


def test_numbers_drop_a_trailing_zero_and_show_a_dash_for_none() -> None:
    assert (charts.number(90.0), charts.number(2.5), charts.number(1.333, 2), charts.number(None)) == (
        "90", "2.5", "1.33", "—",
    )  # fmt: skip
