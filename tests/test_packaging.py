"""A `pip install .` (not only an editable install) must still find the bundled content."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
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


def _requirement_name(requirement: str) -> str:
    name = re.split(r"[\s\[<>=~!;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).casefold()


def test_every_dependency_is_pinned_by_the_constraints_file() -> None:
    """CI, the README's commands and the Docker image install with constraints.txt: nothing floats."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pinned = {
        _requirement_name(line): line
        for line in lines
        if line.strip() and not line.startswith("#")
    }
    assert all("==" in line for line in pinned.values())
    missing = sorted({_requirement_name(r) for r in wanted} - set(pinned))
    assert not missing, f"not pinned in constraints.txt: {missing}"
