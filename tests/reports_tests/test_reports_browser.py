"""report.html opened in headless Chromium: every embedded image loads, offline."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROBE = """<script>
window.addEventListener("load", () => {
  const images = Array.from(document.images);
  const loaded = images.filter((image) => image.complete && image.naturalWidth > 0).length;
  document.body.setAttribute("data-images", loaded + "/" + images.length);
});
</script>"""


def chromium() -> str:
    found = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    if found is None:
        pytest.skip("chromium is not installed")
    return found


@pytest.mark.browser
def test_every_image_of_the_report_loads(written, tmp_path):
    browser = chromium()
    out = written["toy"]
    page = tmp_path / "probe.html"  # the report, plus a script that counts the loaded images
    page.write_text(
        (out / "report.html").read_text(encoding="utf-8").replace("</body>", PROBE + "</body>")
    )
    command = [
        browser,
        *FLAGS,
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        page.as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    found = re.search(r'data-images="(\d+)/(\d+)"', result.stdout)
    assert found, f"no probe result; chromium exit {result.returncode}: {result.stderr[-500:]}"
    loaded, total = map(int, found.groups())
    assert total == len(list(out.glob("*.png"))) == 6
    assert loaded == total
