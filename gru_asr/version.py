"""The package version, in a module of its own so that any module can read it without
importing the package's top level (which would make an import circle)."""

__version__ = "0.1.0"  # keep equal to pyproject.toml's [project] version (tests/unit/test_import_graph.py)
