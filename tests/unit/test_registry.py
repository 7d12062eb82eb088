import pytest
from torch import nn

from gru_asr.encoders import Encoder
from gru_asr.registry import RegistryError, get_registry, register


def test_builtins_are_registered():
    assert "bigru" in get_registry("encoder").names()
    assert "logmel" in get_registry("frontend").names()
    assert "greedy" in get_registry("decoder").names()


def test_wrong_base_class_is_refused():
    with pytest.raises(RegistryError, match="subclass of"):

        @register("encoder", "not_an_encoder")
        class NotAnEncoder(nn.Module):
            pass


def test_duplicate_names_are_refused():
    with pytest.raises(RegistryError, match="already registered"):

        @register("encoder", "bigru")
        class Another(Encoder):
            def forward(self, features, lengths):
                return features, lengths


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(RegistryError, match="unknown encoder 'nope'.*bigru"):
        get_registry("encoder").get("nope")


def test_bad_arguments_name_the_component():
    with pytest.raises(RegistryError, match="bad config for encoder 'bigru'"):
        get_registry("encoder").build("bigru", input_dim=40, hidden_sise=10)


def test_plugin_flag_imports_a_local_module_for_any_command(tmp_path, monkeypatch, capsys):
    (tmp_path / "my_local_plugin_mod.py").write_text(
        "from gru_asr.heads import CTCHead\nfrom gru_asr.registry import register\n\n"
        "@register('head', 'local_ctc_head')\nclass LocalHead(CTCHead):\n    '''A local head.'''\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from gru_asr.cli.main import main

    assert main(["plugins", "list", "--plugin", "my_local_plugin_mod"]) == 0
    assert "local_ctc_head" in capsys.readouterr().out
