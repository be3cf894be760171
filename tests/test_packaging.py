"""A `pip install .` (not only an editable install) must still find the bundled content."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_bundles_the_knowledge_inside_the_package(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = tmp_path.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"bot/bundled_knowledge/{path.relative_to(ROOT / 'knowledge').as_posix()}"
        for path in (ROOT / "knowledge").rglob("*.yaml")
    }
    assert shipped <= names
    assert "bot/knowledge.py" in names
    assert not any(name.startswith(("tests/", "eval/", "bot/testing/")) for name in names)
    assert not {"bot/benchmark.py", "bot/telegram/bench.py", "bot/telegram/soak.py"} & names
