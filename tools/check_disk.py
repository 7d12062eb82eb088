"""Warn before `make` installs .venv when the disk looks too small for it.

The CUDA build of torch (PyPI's Linux wheel, pinned in the lock) is ~3 GB of wheels unpacking to ~5 GB,
and pip holds the downloaded wheels in its temporary folder until the install ends. When
that does not fit, pip stops with a bare "[Errno 28] No space left on device" deep inside
its output; this prints the free space up front so the cause is plain. It only warns: the
estimate is rough and an install that would fit must not be refused. Standard library only
(it runs before the virtual environment exists).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile


def free_gb(path: str) -> float:
    return shutil.disk_usage(path).free / 2**30


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default=".", help="where .venv goes")
    parser.add_argument("--need-gb", type=float, default=9.0,
                        help="free space the install needs at its peak (GiB)")
    args = parser.parse_args(argv)
    checked = {"the project folder": args.path}
    temp = tempfile.gettempdir()
    if os.stat(temp).st_dev != os.stat(args.path).st_dev:  # one warning per disk
        checked["the temporary folder"] = temp
    for what, path in checked.items():
        have = free_gb(path)
        if have < args.need_gb:
            print(f"warning: {have:.1f} GiB free for {what} ({path}); installing torch with its "
                  f"CUDA libraries needs about {args.need_gb:.0f} GiB at its peak. If pip stops "
                  "with 'No space left on device', free space or point TMPDIR at a larger disk.",
                  file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
