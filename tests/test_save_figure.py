"""Every figure is written by ``sim.analysis.plots.save_figure``: atomically, at the caller's resolution, then
closed."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from PIL import Image

from sim.analysis.plots import save_figure


def test_a_figure_is_written_as_png_at_the_dpi_asked_and_closed(tmp_path: Path):
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    [path] = save_figure(fig, tmp_path / "sub" / "line.png", dpi=50)
    assert path == tmp_path / "sub" / "line.png" and path.read_bytes().startswith(b"\x89PNG")
    assert Image.open(path).size == (100, 50)
    assert not plt.fignum_exists(fig.number)
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["line.png"]  # no temporary file left


def _disk_full(*args, **kwargs):
    raise OSError("disk full")


def test_a_failed_write_leaves_no_file_and_still_closes_the_figure(tmp_path: Path, monkeypatch):
    fig, _ = plt.subplots()
    monkeypatch.setattr(fig, "savefig", _disk_full)
    (tmp_path / "old.png").write_bytes(b"old")
    with pytest.raises(OSError, match="disk full"):
        save_figure(fig, tmp_path / "old.png")
    assert (tmp_path / "old.png").read_bytes() == b"old" and [p.name for p in tmp_path.iterdir()] == ["old.png"]
    assert not plt.fignum_exists(fig.number)
