"""`make lock-check` (tools/lock_check.py, run by CI): the lock must match pyproject.toml,
and requirements/ must be the lock's export; otherwise one line naming `make lock`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "lock_check.py"
pytestmark = pytest.mark.skipif(not Path(sys.executable).with_name("uv").exists() and shutil.which("uv") is None,
                                reason="uv is not installed (it is in the dev extra)")


@pytest.fixture
def project(tmp_path):
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "uv.lock"):
        shutil.copy2(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "requirements", tmp_path / "requirements")
    return tmp_path


def check(root):
    return subprocess.run([sys.executable, str(SCRIPT), "--root", str(root)], capture_output=True, text=True, timeout=120)


def test_the_committed_lock_matches(project):
    proc = check(project)
    assert proc.returncode == 0, proc.stderr
    assert "matches" in proc.stdout


def test_a_dependency_changed_without_relocking_fails_naming_the_fix(project):
    pyproject = project / "pyproject.toml"
    text = pyproject.read_text()
    assert '"tqdm>=4.60",' in text
    pyproject.write_text(text.replace('"tqdm>=4.60",', '"tqdm>=4.61",'))
    proc = check(project)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "uv.lock does not match pyproject.toml" in lines[0] and "make lock" in lines[0]


def test_a_hand_edited_requirements_file_fails(project):
    req = project / "requirements" / "dev.txt"
    req.write_text(req.read_text().replace("\ntqdm==", "\ntqdm===", 1))
    proc = check(project)
    assert proc.returncode == 1
    assert "requirements/dev.txt is not the export of uv.lock" in proc.stderr and "make lock" in proc.stderr


def test_make_installs_only_from_the_lock():
    # Every pip install in the Makefile either takes the hashed lock or adds no dependency
    # (--no-deps): a resolver run at install time is how the broken torch pair got in.
    makefile = (ROOT / "Makefile").read_text()
    installs = [line for line in makefile.splitlines() if "$(PIP_INSTALL)" in line and not line.startswith("PIP_INSTALL")]
    assert installs, "no install lines found"
    for line in installs:
        assert "--no-deps" in line, line
    assert any("--require-hashes" in line and "$(LOCK)" in line for line in installs)
    assert "LOCK   := requirements/dev.txt" in makefile
