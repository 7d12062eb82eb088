"""The fuzz harness runs every target for a short bounded time, reports its
iterations, and finds nothing unexpected (the long runs are for people, via
``tools/fuzz/fuzz.py --seconds N``)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
TARGETS = ["audio", "manifest_jsonl", "manifest_nemo", "manifest_kaldi", "normalizer", "package"]


def test_fuzz_harness_smoke(tmp_path):
    # atheris when installed (pip install -e '.[fuzz]'), else the random-mutation
    # engine (which test_fuzz_harness_reports_an_unexpected_exception also runs)
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "fuzz" / "fuzz.py"), "--seconds", "2",
                           "--crashes", str(tmp_path / "crashes")],
                          capture_output=True, text=True, timeout=900)
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    per_target = dict(re.findall(r"^fuzz (\w+): iterations=(\d+) unexpected=0$", proc.stdout, re.MULTILINE))
    assert sorted(per_target) == sorted(TARGETS)
    assert all(int(n) > 10 for n in per_target.values()), per_target
    assert re.fullmatch(r"fuzz_total: iterations=\d+ unexpected=0", lines[-1])
    assert not (tmp_path / "crashes").exists()


def test_fuzz_harness_reports_an_unexpected_exception(tmp_path):
    """The harness can fail: a target whose reader raises an undocumented error
    is counted and its input saved."""
    script = tmp_path / "broken_fuzz.py"
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {str(ROOT / 'tools' / 'fuzz')!r})\n"
        "import targets\n"
        "real = targets.all_targets\n"
        "def broken():\n"
        "    t = real()\n"
        "    def run(data):\n"
        "        if len(data) % 3 == 0:\n"
        "            raise KeyError('undocumented')\n"
        "    t['normalizer'].run = run\n"
        "    return t\n"
        "targets.all_targets = broken\n"
        f"path = {str(ROOT / 'tools' / 'fuzz' / 'fuzz.py')!r}\n"
        "exec(compile(open(path).read(), path, 'exec'), {'__name__': '__main__', '__file__': path})\n"
    )
    # run the child directly, in this process's interpreter, with the random engine
    stats = tmp_path / "stats.json"
    proc = subprocess.run([sys.executable, str(script), "--child", "normalizer", "--engine", "random", "--seconds", "1",
                           "--crashes", str(tmp_path / "crashes"), "--stats", str(stats)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(stats.read_text())
    assert result["unexpected"] > 0 and result["finished"]
    saved = list((tmp_path / "crashes").glob("normalizer-KeyError-*.txt"))
    assert saved and "undocumented" in saved[0].read_text()
