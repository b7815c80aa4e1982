"""`python -m devkit widgets --screenshots DIR`: one PNG per widget at full and at half width."""

import io
import struct

from page_harness import needs_chromium

from devkit import REPO_ROOT
from devkit.cli import main
from devkit.widgets import widget_stems

pytestmark = needs_chromium
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_SIGNATURE)
    return struct.unpack(">II", data[16:24])


def test_the_command_writes_a_full_and_a_half_width_screenshot_of_every_widget(tmp_path):
    out = io.StringIO()

    code = main(["widgets", "--screenshots", str(tmp_path)], out)

    assert code == 0
    expected = sorted(f"{stem}{suffix}.png" for stem in widget_stems(REPO_ROOT) for suffix in ("", "-half"))
    assert sorted(path.name for path in tmp_path.iterdir()) == expected
    for stem in widget_stems(REPO_ROOT):
        assert png_size((tmp_path / f"{stem}.png").read_bytes()) == (1100, 400)
        assert png_size((tmp_path / f"{stem}-half.png").read_bytes()) == (560, 400)
    assert out.getvalue().count("Wrote ") == len(expected)
