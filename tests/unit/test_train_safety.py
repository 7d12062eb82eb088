"""`gru-asr train` with bad input: one `error:` line, exit status 2, and nothing in an
existing exp_dir changes; a folder holding another run is refused unless the run resumes
or overwrites it; `<kind>.name=` that cannot work says which form to use; every
checkpoint load is weights_only=True (issue #23)."""

from __future__ import annotations

import ast
import hashlib
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from omegaconf import OmegaConf

from gru_asr.schemas import ConfigError

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "conf"


def gru_asr(*args, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}  # what a user sees by default
    return subprocess.run([sys.executable, "-m", "gru_asr", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd or ROOT, env=env, timeout=300)


def snapshot(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` (files hashed): any change, addition or removal shows."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def previous_run(folder: Path, checkpoints: bool = True) -> Path:
    """An exp_dir as a finished run leaves it (contents are markers, not real files)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text("# the previous run's config: must survive\n")
    if checkpoints:
        (folder / "checkpoints").mkdir()
        (folder / "checkpoints" / "last.ckpt").write_bytes(b"previous checkpoint")
        (folder / "checkpoints" / "epoch002-wer0.5000.ckpt").write_bytes(b"previous best")
    (folder / "model.safetensors").write_bytes(b"previous model")
    return folder


def assert_one_error_line(proc, *needles):
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr and "HYDRA_FULL_ERROR" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


# --- bad config: one line, exp_dir untouched ---------------------------------------


def test_unknown_component_is_one_line_and_the_previous_config_survives(tmp_path):
    exp = previous_run(tmp_path / "exp", checkpoints=False)
    before = snapshot(exp)
    proc = gru_asr("train", "encoder.name=nosuch", f"exp_dir={exp}")
    assert_one_error_line(proc, "unknown encoder 'nosuch'", "bigru")
    assert snapshot(exp) == before  # no config.yaml rewrite, no .hydra/


def test_missing_train_manifest_is_one_line_naming_it_and_changes_nothing(tmp_path):
    exp = previous_run(tmp_path / "exp", checkpoints=False)
    before = snapshot(exp)
    missing = tmp_path / "nope" / "train.jsonl"
    proc = gru_asr("train", f"data.train={missing}", f"exp_dir={exp}", "overwrite=true")
    assert_one_error_line(proc, str(missing))
    assert snapshot(exp) == before  # overwrite=true deletes nothing before the config is valid


def test_a_plugin_that_cannot_be_imported_is_one_line(tmp_path):
    proc = gru_asr("train", "--plugin", "nosuch_module_xyz", f"exp_dir={tmp_path / 'exp'}")
    assert_one_error_line(proc, "--plugin nosuch_module_xyz", "No module named")
    assert not (tmp_path / "exp").exists()


def test_a_new_run_over_another_runs_checkpoints_is_refused(tmp_path):
    exp = previous_run(tmp_path / "exp")
    before = snapshot(exp)
    proc = gru_asr("train", f"exp_dir={exp}")
    line = assert_one_error_line(proc, str(exp), "resume_from=last", "overwrite=true", "2 checkpoint(s)")
    assert "model.safetensors" in line
    assert snapshot(exp) == before


def test_an_option_that_left_trainer_and_a_mistyped_one_are_one_line_each(tmp_path):
    exp = previous_run(tmp_path / "exp", checkpoints=False)
    before = snapshot(exp)
    assert_one_error_line(gru_asr("train", "trainer.ema={decay: 0.9}", f"exp_dir={exp}"), "trainer.ema moved to ema")
    assert_one_error_line(gru_asr("train", "optim.lr=fast", f"exp_dir={exp}", "overwrite=true"), "optim.lr: ", "'fast'")
    assert_one_error_line(gru_asr("train", "frontend.mask_above_hz=9000", f"exp_dir={exp}", "overwrite=true"),
                          "model config: mask_above_hz", "Nyquist")
    assert snapshot(exp) == before


def test_renaming_a_component_whose_fields_differ_gives_the_group_form(tmp_path):
    proc = gru_asr("train", "frontend.name=mfcc", f"exp_dir={tmp_path / 'exp'}")
    assert_one_error_line(proc, "frontend.name=mfcc", "frontend=mfcc", "f_max")


# --- the exp_dir rules, in process ---------------------------------------------------


def test_check_exp_dir_rules(tmp_path):
    from gru_asr.training.train import check_exp_dir

    check_exp_dir(tmp_path / "new", None, False)  # nothing there yet
    only_config = previous_run(tmp_path / "failed", checkpoints=False)
    (only_config / "model.safetensors").unlink()
    check_exp_dir(only_config, None, False)  # a run that never trained: nothing to lose
    done = previous_run(tmp_path / "done")
    with pytest.raises(ConfigError, match="holds another run"):
        check_exp_dir(done, None, False)
    check_exp_dir(done, "last", False)
    check_exp_dir(done, None, True)
    (done / "checkpoints").rename(tmp_path / "elsewhere")
    with pytest.raises(ConfigError, match="model.safetensors"):
        check_exp_dir(done, None, False)  # a packaged model alone counts too
    with pytest.raises(ConfigError, match="resume_from=.*no such checkpoint"):
        check_exp_dir(done, str(tmp_path / "missing.ckpt"), False)


def test_overwrite_replaces_only_the_previous_runs_outputs(tmp_path):
    from gru_asr.training.train import prepare_exp_dir

    exp = previous_run(tmp_path / "exp")
    (exp / "train_result.json").write_text("{}")
    (exp / "notes.txt").write_text("mine")
    (exp / "hpc_ckpt_3.ckpt").write_bytes(b"x")  # Lightning's SLURM requeue checkpoint of the old run
    prepare_exp_dir(exp, OmegaConf.create({"seed": 1}), replace_previous=True)
    assert sorted(p.name for p in exp.iterdir()) == ["config.yaml", "notes.txt"]
    assert (exp / "config.yaml").read_text() == "seed: 1\n"


def test_a_slurm_requeue_checkpoint_counts_as_a_previous_run(tmp_path):
    from gru_asr.training.train import check_exp_dir

    (tmp_path / "hpc_ckpt_1.ckpt").write_bytes(b"x")
    with pytest.raises(ConfigError, match="holds another run"):
        check_exp_dir(tmp_path, None, False)


@pytest.mark.parametrize("variable", ["SLURM_RESTART_COUNT", "TORCHELASTIC_RESTART_COUNT"])
def test_a_job_the_cluster_restarts_continues_its_run(tmp_path, monkeypatch, variable):
    # The requeued job repeats its first command line (no resume_from): it must resume,
    # neither be refused for the checkpoints it wrote itself nor replace them.
    from gru_asr.training import train as train_module

    exp = previous_run(tmp_path / "exp")
    for key in ("SLURM_RESTART_COUNT", "TORCHELASTIC_RESTART_COUNT"):
        monkeypatch.delenv(key, raising=False)
    assert not train_module.scheduler_restart()
    monkeypatch.setenv(variable, "1")
    assert train_module.scheduler_restart()
    seen = {}

    def stop_after_check(exp_dir, resume, overwrite):
        seen.update(resume=resume, overwrite=overwrite)
        raise RuntimeError("checked")

    monkeypatch.setattr(train_module, "check_exp_dir", stop_after_check)
    with pytest.raises(RuntimeError, match="checked"):
        train_module.train(OmegaConf.create({"exp_dir": str(exp), "resume_from": None, "overwrite": True, "seed": 0}))
    assert seen == {"resume": "last", "overwrite": False}


def test_config_defaults_to_refusing_and_hydra_writes_nothing_in_exp_dir():
    train_yaml = OmegaConf.load(CONF / "train.yaml")
    assert train_yaml.overwrite is False
    assert train_yaml.hydra.output_subdir is None


# --- selecting components ------------------------------------------------------------


def compose(*overrides):
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir

    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        return hydra_compose("train", overrides=list(overrides))


def test_component_selection_check_names_the_form_that_works():
    from gru_asr.cli.train import check_component_selection

    cfg = compose("frontend.name=mfcc")
    options = lambda kind: ["logmel", "mfcc", "spectrogram"]  # noqa: E731
    with pytest.raises(ConfigError, match=r"of the config frontend=logmel \(f_max, f_min, mask_above_hz\).*config group: frontend=mfcc"):
        check_component_selection(cfg, ["frontend.name=mfcc"], {"frontend": "logmel"}, options)
    # No config file for it: the empty-node form, which does compose and validate.
    with pytest.raises(ConfigError, match=r"~frontend \+frontend.name=mfcc"):
        check_component_selection(cfg, ["frontend.name=mfcc"], {"frontend": "logmel"}, lambda kind: ["logmel"])
    # The forms the message gives pass the check and the schema validation.
    from gru_asr.training.train import model_config_from

    for overrides in (["frontend=mfcc"], ["~frontend", "+frontend.name=mfcc", "+frontend.n_mfcc=20"]):
        ok = compose(*overrides)
        check_component_selection(ok, overrides, {}, options)
        assert model_config_from(ok)["frontend"]["name"] == "mfcc"
    # Renaming to a component whose fields fit is still allowed (bigru -> lstm keep theirs).
    check_component_selection(compose("encoder.name=bigru"), ["encoder.name=bigru"], {"encoder": "bigru_small"}, options)


# --- pickles -------------------------------------------------------------------------


def _calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            yield node.func.attr, node, {k.arg: k.value for k in node.keywords}


def test_every_checkpoint_load_is_weights_only():
    """torch.load, load_from_checkpoint and trainer.fit/validate/test with a ckpt_path
    in gru_asr pass weights_only=True; every save_checkpoint says what it saves (left
    unset, Lightning logs "`weights_only` was not set, defaulting to `False`")."""
    problems, loads = [], 0
    for path in sorted((ROOT / "gru_asr").rglob("*.py")):
        for name, call, kw in _calls(ast.parse(path.read_text())):
            where = f"{path.relative_to(ROOT)}:{call.lineno}"
            is_load = (name == "load" and isinstance(call.func.value, ast.Name) and call.func.value.id == "torch") \
                or name == "load_from_checkpoint" or (name in ("fit", "validate", "test", "predict") and "ckpt_path" in kw)
            if is_load:
                loads += 1
                value = kw.get("weights_only")
                if not (isinstance(value, ast.Constant) and value.value is True):
                    problems.append(f"{where}: {name} without weights_only=True")
            if name == "save_checkpoint" and isinstance(call.func.value, ast.Name) and call.func.value.id == "trainer" \
                    and "weights_only" not in kw:
                problems.append(f"{where}: trainer.save_checkpoint without weights_only=")
    assert loads >= 3 and not problems, problems


def test_the_sigterm_checkpoint_says_what_it_saves(tmp_path):
    from gru_asr.training.preemption import PreemptionCheckpoint, TrainingPreempted

    saved = []
    trainer = SimpleNamespace(
        strategy=SimpleNamespace(reduce_boolean_decision=lambda flag, all=False: flag),
        save_checkpoint=lambda path, **kw: saved.append((path, kw)),
        global_step=7, max_steps=100, max_epochs=5, current_epoch=0, is_global_zero=False,
        fit_loop=SimpleNamespace(epoch_loop=SimpleNamespace(batch_progress=SimpleNamespace(is_last_batch=False))),
    )
    cb = PreemptionCheckpoint(tmp_path / "last.ckpt")
    cb.requested.set()
    with pytest.raises(TrainingPreempted):
        cb.on_train_batch_end(trainer, None, None, None, 0)
    assert saved == [(tmp_path / "last.ckpt", {"weights_only": False})]


def test_plugin_before_the_train_subcommand_reaches_train_and_its_ddp_ranks(tmp_path, monkeypatch):
    # `gru-asr --plugin X train ...`: train restarts DDP ranks with its own --plugin list,
    # so the plugin must be handed on, not only imported in this process.
    import gru_asr.cli.train as cli_train
    from gru_asr.cli.main import main

    (tmp_path / "plug_before_train.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    seen = []
    monkeypatch.setattr(cli_train, "train_main", lambda argv: seen.append(list(argv)) or 0)
    assert main(["--plugin", "plug_before_train", "train", "seed=1"]) == 0
    assert seen == [["--plugin", "plug_before_train", "seed=1"]]


def test_the_ddp_relaunch_keeps_the_plugins_once(monkeypatch):
    import __main__

    from gru_asr.cli.train import _relaunch_as_this_module

    monkeypatch.setattr(__main__, "__spec__", None, raising=False)
    monkeypatch.setattr(sys, "argv", ["gru-asr train", "seed=1"])
    _relaunch_as_this_module(["--plugin", "mine"])
    _relaunch_as_this_module(["--plugin", "mine"])  # a sweep's second job, or `python -m gru_asr.cli.train`
    assert sys.argv == ["gru-asr train", "--plugin", "mine", "seed=1"]
    assert __main__.__spec__.name == "gru_asr.cli.train"
