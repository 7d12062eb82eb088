"""The ``gru-asr export`` command."""

from __future__ import annotations

import sys
import time
from pathlib import Path

FORMATS = ("onnx", "torchscript")
DEFAULT_TOLERANCE = 1e-3


def run_export(args) -> int:
    """Export, then check the export against PyTorch; 0 if the largest log-prob
    difference is within ``--tolerance``, 1 if not, 2 if nothing could be exported."""
    from gru_asr.cli.errors import refuse_to_overwrite
    from gru_asr.export.dft_frontend import ExportUnsupportedError
    from gru_asr.export.verify import verify_export
    from gru_asr.packaging import PackageError, load_package

    refuse_to_overwrite(args.output, getattr(args, "overwrite", False))
    if Path(args.output).resolve() == Path(args.model).resolve():
        print(f"error: {args.output}: -o names the model file itself", file=sys.stderr)
        return 2
    try:
        model = load_package(args.model)
    except PackageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    missing = _missing_modules(["onnx", "onnxruntime"] if args.format == "onnx" else [])
    if missing:
        print(f"error: ONNX export needs {' and '.join(missing)}: pip install 'gru_asr[export]'", file=sys.stderr)
        return 2
    out = Path(args.output)
    start = time.perf_counter()
    try:
        if args.format == "onnx":
            from gru_asr.export.onnx_export import export_onnx

            export_onnx(model, out, opset=args.opset)
        else:
            from gru_asr.export.torchscript_export import export_torchscript

            export_torchscript(model, out)
    except (ExportUnsupportedError, ValueError) as err:
        print(f"error: cannot export {args.model}: {err}", file=sys.stderr)
        return 2
    except Exception as err:  # noqa: BLE001 - tracing/exporter failures of plugin components
        print(f"error: exporting {args.model} failed: {type(err).__name__}: {str(err).strip()[:500]}", file=sys.stderr)
        return 2
    seconds = time.perf_counter() - start
    print(f"wrote {out} ({args.format}, {out.stat().st_size / 1e6:.2f} MB) in {seconds:.1f} s")
    try:
        report = verify_export(model, out, args.format)
    except Exception as err:  # noqa: BLE001 - the runtime refusing the file is a failed check
        print(f"error: {out} was written but cannot be run: {type(err).__name__}: {str(err).strip()[:500]}",
              file=sys.stderr)
        return 1
    print(f"parity vs PyTorch on {report.utterances} utterances in {report.batches} padded batches: "
          f"max |log-prob difference| = {report.max_abs_diff:.3g} (tolerance {args.tolerance:g}); "
          f"output lengths {'match' if report.lengths_match else 'DIFFER'}")
    if not report.passed(args.tolerance):
        print(f"error: {out} does not reproduce the PyTorch model within the tolerance; do not use it",
              file=sys.stderr)
        return 1
    return 0


def _missing_modules(names: list[str]) -> list[str]:
    import importlib.util

    return [n for n in names if importlib.util.find_spec(n) is None]
