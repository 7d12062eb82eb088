"""Rules the suite keeps so that CI cannot hang or reach the network."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKING = {"run", "check_output", "check_call", "call"}


def _subprocess_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "subprocess"):
            yield node


def _sets_default_timeout(tree: ast.AST, call: ast.Call) -> bool:
    """A helper that forwards **kw is fine when it does kw.setdefault("timeout", ...)."""
    for func in ast.walk(tree):
        if isinstance(func, ast.FunctionDef) and func.lineno <= call.lineno <= (func.end_lineno or 0):
            return "setdefault(\"timeout\"" in ast.unparse(func) or "setdefault('timeout'" in ast.unparse(func)
    return False


def missing_timeouts(path: Path) -> list[str]:
    source = path.read_text()
    tree = ast.parse(source)
    problems = []
    for call in _subprocess_calls(tree):
        kwargs = {k.arg for k in call.keywords}
        if call.func.attr in BLOCKING:
            if "timeout" not in kwargs and not (None in kwargs and _sets_default_timeout(tree, call)):
                problems.append(f"{path.relative_to(ROOT)}:{call.lineno}: subprocess.{call.func.attr} without timeout=")
        elif call.func.attr == "Popen" and "communicate(timeout=" not in source and "wait(timeout=" not in source:
            problems.append(f"{path.relative_to(ROOT)}:{call.lineno}: Popen never waited on with a timeout")
    return problems


def test_every_subprocess_a_test_starts_has_a_timeout():
    problems = [p for path in sorted((ROOT / "tests").rglob("*.py")) for p in missing_timeouts(path)]
    assert not problems, "\n".join(problems)


def test_the_checker_catches_a_call_without_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    bad = tmp_path / "t.py"
    bad.write_text("import subprocess\nsubprocess.run(['true'])\nsubprocess.run(['true'], timeout=5)\n")
    assert missing_timeouts(bad) == ["t.py:2: subprocess.run without timeout="]
    helper = tmp_path / "h.py"
    helper.write_text("import subprocess\ndef f(**kw):\n    kw.setdefault(\"timeout\", 9)\n    return subprocess.run(['x'], **kw)\n")
    assert missing_timeouts(helper) == []


def test_a_global_per_test_timeout_is_configured(pytestconfig):
    # pytest-timeout reads the ini value; without it a hung test holds CI for its 90 minutes.
    assert float(pytestconfig.getini("timeout")) > 0


def test_pip_installs_in_tests_never_use_build_isolation():
    # Build isolation downloads setuptools from the index: not on an offline CI machine.
    for path in sorted((ROOT / "tests").rglob("*.py")):
        for call in _subprocess_calls(ast.parse(path.read_text())):
            text = ast.unparse(call)
            if "'pip'" in text and ("'install'" in text or "'wheel'" in text):
                assert "--no-build-isolation" in text or "--no-index" in text, f"{path.name}:{call.lineno}"
