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
    # The semantic model is not copied into the wheel: it arrives with its own pinned package,
    # which the installed bot finds and verifies (tests/test_retrieval.py loads it the same way).
    assert {"bot/retrieval/encoder.py", "bot/retrieval/ranker.py"} <= names
    metadata = next(name for name in names if name.endswith(".dist-info/METADATA"))
    requires = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Requires-Dist: wordllama==" in requires

    # Installed (not editable), away from the source tree: the content and the model are found.
    target = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(target)
    checked = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 0, checked.stderr
    assert "bundled_knowledge" in checked.stdout
    assert "wordllama-256, weights verified" in checked.stdout


def _requirement_name(requirement: str) -> str:
    name = re.split(r"[\s\[<>=~!;]", requirement.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).casefold()


def test_every_dependency_is_pinned_by_the_constraints_file() -> None:
    """CI, the README's commands and the Docker image install with constraints.txt: nothing floats."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"].values()
    wanted = [*project["dependencies"], *(r for extra in extras for r in extra)]
    lines = (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
    pinned = {
        _requirement_name(line): line
        for line in lines
        if line.strip() and not line.startswith("#")
    }
    assert all("==" in line for line in pinned.values())
    missing = sorted({_requirement_name(r) for r in wanted} - set(pinned))
    assert not missing, f"not pinned in constraints.txt: {missing}"
