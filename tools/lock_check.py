"""Is the committed lock what pyproject.toml asks for? (`make lock-check`, run by CI.)

1. ``uv lock --check --offline``: uv.lock still satisfies pyproject.toml's dependencies
   (no network: it only compares).
2. ``requirements/*.txt`` are exactly uv's hashed export of uv.lock, so the pip install
   that `make` runs installs what uv.lock says.

With ``--export`` it writes the two requirements files from uv.lock instead (`make lock`).
Exit 1 with one line naming the fix when they disagree.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # --root overrides it (the tests check a copy)
FIX = "run `make lock` (re-resolves only what changed) and commit uv.lock and requirements/"
# file -> the uv export options that make it
EXPORTS = {
    "requirements/dev.txt": ["--extra", "dev"],
    "requirements/runtime.txt": [],
}


def uv() -> str:
    beside = Path(sys.executable).with_name("uv")
    return str(beside) if beside.exists() else "uv"


def export(options: list[str], out: Path, root: Path) -> None:
    cmd = [uv(), "export", "--frozen", "--no-emit-project", "--format", "requirements-txt", "--quiet",
           *options, "-o", str(out)]
    subprocess.run(cmd, cwd=root, check=True, timeout=120, capture_output=True)


def body(path: Path) -> list[str]:
    # The header names the output file; the rest must match line for line.
    return [line for line in path.read_text().splitlines() if not line.startswith("#")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", action="store_true", help="write requirements/*.txt from uv.lock")
    parser.add_argument("--root", type=Path, default=ROOT, help="the project folder (default: this checkout)")
    args = parser.parse_args()
    root = args.root
    if args.export:
        for name, options in EXPORTS.items():
            export(options, root / name, root)
            print(f"wrote {name}")
        return 0
    try:
        check = subprocess.run([uv(), "lock", "--check", "--offline"], cwd=root, capture_output=True, text=True, timeout=120)
    except FileNotFoundError:
        print(f"lock check: uv not found (it is in the dev extra); run `make venv` first", file=sys.stderr)
        return 1
    if check.returncode != 0:
        lines = [line.strip() for line in check.stderr.splitlines() if line.strip()]
        reason = next((line for line in lines if line.startswith("error")), lines[-1] if lines else "uv lock --check failed")
        print(f"lock check: uv.lock does not match pyproject.toml ({reason}); {FIX}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        for name, options in EXPORTS.items():
            fresh = Path(tmp) / Path(name).name
            export(options, fresh, root)
            committed = root / name
            if not committed.exists() or body(committed) != body(fresh):
                print(f"lock check: {name} is not the export of uv.lock; {FIX}", file=sys.stderr)
                return 1
    print("lock check: uv.lock matches pyproject.toml and requirements/ is its export")
    return 0


if __name__ == "__main__":
    sys.exit(main())
