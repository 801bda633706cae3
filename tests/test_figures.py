"""``syriatl figure control`` draws the daily control table: a panel per day with one marker per
located place in scope, coloured as syriatl.styles colours its holder, as SVG and as PNG at
print resolution; bad input is refused with a message; the release bundle ships the figures."""

from __future__ import annotations

import re
import sys
import zipfile

import pytest
from conftest import ROOT

import syriatl
from syriatl.cli import main
from syriatl.figures import (
    CSS_PX_PER_INCH,
    DPI,
    control_data,
    control_figures,
    png_size,
    to_svg,
)
from syriatl.styles import side_styles

FIGURES = ("control-by-day", "control-front")


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    assert main(["figure", "control", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def daily():
    tables = syriatl.load_package(path=ROOT)
    places = tables["places"].set_index("place_id")
    located = set(places.index[places["latitude"].notna() & places["longitude"].notna()])
    frame = tables["daily_control"]
    frame = frame[frame["place_id"].isin(located)].copy()
    side = frame["holder_id"].astype("string").where(frame["state"] != "unknown", "unknown")
    frame["side"] = side.astype(str)
    frame["day"] = frame["date"].dt.date
    return frame


def panels(svg: str) -> list[dict[str, str]]:
    """Each concatenated panel's markers: place_id -> fill, in panel order."""
    starts = [
        (int(m[1]), m.start())
        for m in re.finditer(r'class="mark-group role-scope concat_(\d+)_group"', svg)
    ]
    starts.sort()
    out = []
    for n, (_, start) in enumerate(starts):
        end = starts[n + 1][1] if n + 1 < len(starts) else len(svg)
        marks = re.findall(
            r'<path aria-label="[^"]*\(([a-z0-9-]+)\): [^"]*"[^>]*\bfill="(#[0-9a-f]{6})"',
            svg[start:end],
        )
        fills: dict[str, str] = {}
        for place, fill in marks:
            assert place not in fills, f"two markers for {place} in panel {n}"
            fills[place] = fill
        out.append(fills)
    return out


def test_both_figures_are_written_as_svg_and_png(written, capsys):
    for name in FIGURES:
        svg = (written / f"{name}.svg").read_text(encoding="utf-8")
        root = re.match(r"<svg\b[^>]*>", svg)[0]
        assert 'role="img"' in root and "aria-label=" in root
        assert re.search(r"<title>.+</title><desc>.+</desc>", svg)
        assert f"syriatl version {syriatl.__version__}, table daily_control" in svg
        assert (written / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_panel_per_day_with_a_marker_per_located_place(written, daily):
    svg = (written / "control-by-day.svg").read_text(encoding="utf-8")
    drawn = panels(svg)
    days = sorted(set(daily["day"]))
    assert len(days) == 13 and len(drawn) == len(days)
    for day, fills in zip(days, drawn, strict=True):
        assert set(fills) == set(daily.loc[daily["day"] == day, "place_id"]), day
    for day in days:  # panel titles in day order
        assert f">{day.day} {day:%b %Y}</text>" in svg


def test_a_place_that_changed_hands_changes_colour(written, daily):
    svg = (written / "control-by-day.svg").read_text(encoding="utf-8")
    drawn = panels(svg)
    first, last = min(daily["day"]), max(daily["day"])
    side = {(r.place_id, r.day): r.side for r in daily.itertuples()}
    styles = side_styles(set(daily["side"]))
    changed = [
        place
        for place in sorted(set(daily["place_id"]))
        if styles[side[place, first]].colour != styles[side[place, last]].colour
    ]
    assert len(changed) > 10
    for place in changed:
        assert drawn[0][place] == styles[side[place, first]].colour, place
        assert drawn[-1][place] == styles[side[place, last]].colour, place
        assert drawn[0][place] != drawn[-1][place]
    # every marker of every panel has its holder's colour
    days = sorted(set(daily["day"]))
    for day, fills in zip(days, drawn, strict=True):
        for place, fill in fills.items():
            assert fill == styles[side[place, day]].colour, (place, day)


def test_legend_names_each_side_with_its_label(written, daily):
    svg = (written / "control-by-day.svg").read_text(encoding="utf-8")
    names = syriatl.load("actors").set_index("actor_id")["name"]
    for side, style in side_styles(set(daily["side"])).items():
        if side != "unknown":
            assert f">{style.label} {names[side]}</text>" in svg.replace("&amp;", "&"), side


def test_png_is_at_print_resolution(written):
    for name in FIGURES:
        svg = (written / f"{name}.svg").read_text(encoding="utf-8")
        width = float(re.search(r'<svg\b[^>]*\bwidth="([0-9.]+)"', svg)[1])
        height = float(re.search(r'<svg\b[^>]*\bheight="([0-9.]+)"', svg)[1])
        pixels_wide, pixels_high, ppi = png_size((written / f"{name}.png").read_bytes())
        assert round(ppi) >= 300 and DPI >= 300
        # the PNG is the SVG's size (CSS pixels, 96 to the inch) at DPI
        assert abs(pixels_wide - width / CSS_PX_PER_INCH * ppi) <= 2
        assert abs(pixels_high - height / CSS_PX_PER_INCH * ppi) <= 2
        assert pixels_wide >= 6 * 300  # wide enough for a page, at 300 ppi


def test_front_on_chosen_days(written, daily):
    default = panels((written / "control-front.svg").read_text(encoding="utf-8"))
    assert len(default) == 4
    chosen = ["2024-12-08", "2024-11-29"]
    front = control_figures(ROOT, chosen)[1]
    drawn = panels(to_svg(front.chart))
    assert len(drawn) == 2
    styles = side_styles(set(daily["side"]))
    for day, fills in zip(sorted(chosen), drawn, strict=True):
        rows = daily[daily["day"].astype(str) == day]
        assert fills == {r.place_id: styles[r.side].colour for r in rows.itertuples()}


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("2024-12-1", "is not a date"),
        ("2024-11-29,yesterday", "is not a date"),
        ("2024-12-20", "is outside it"),
        ("2024-11-25", "is outside it"),
    ],
)
def test_bad_days_exit_2(days, message, tmp_path, capsys):
    assert main(["figure", "control", "--out", str(tmp_path), "--days", days]) == 2
    err = capsys.readouterr().err
    assert err.startswith("syriatl figure:") and message in err
    assert not list(tmp_path.iterdir())


def test_unwritable_out_exits_2(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["figure", "control", "--out", str(blocker / "figures")]) == 2
    assert "cannot write into" in capsys.readouterr().err


def test_missing_extra_exits_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "vl_convert", None)  # import fails as if not installed
    assert main(["figure", "control", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pip install 'syriatl[figures]'" in err and "Traceback" not in err


def test_release_bundle_holds_the_figures(written, tmp_path):
    from syriatl.release import build_release, sha256

    bundle = build_release(tmp_path)
    folder = f"syriatl-data-{syriatl.__version__}"
    with zipfile.ZipFile(bundle.path) as archive:
        sums = archive.read(f"{folder}/SHA256SUMS").decode().splitlines()
        listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in sums}
        for name in FIGURES:
            for suffix in ("svg", "png"):
                path = f"figures/{name}.{suffix}"
                data = archive.read(f"{folder}/{path}")
                assert listed[path] == sha256(data)
                # the same figure as the command draws
                assert data == (written / f"{name}.{suffix}").read_bytes(), path
        assert "figures/" in archive.read(f"{folder}/README.md").decode()
    # and a release zip is a package the figures read, as the other commands do
    from_zip = control_data(bundle.path)
    assert from_zip.points.equals(control_data(ROOT).points)
