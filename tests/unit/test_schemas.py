import pytest

from gru_asr.schemas import ConfigError, describe_fields, reference_markdown, validate


def test_valid_config_gets_defaults_filled_in():
    cfg = validate("encoder", {"name": "bigru", "hidden_size": 64})
    assert cfg["hidden_size"] == 64 and cfg["num_layers"] == 3 and cfg["bidirectional"] is True


def test_unknown_field_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="depth"):
        validate("encoder", {"name": "bigru", "depth": 6})


def test_wrong_type_is_refused_with_its_name():
    with pytest.raises(ConfigError, match="hidden_size"):
        validate("encoder", {"name": "bigru", "hidden_size": "big"})


def test_reference_lists_fields_with_types_and_defaults():
    rows = dict((f, (t, d)) for f, t, d in describe_fields(__import__("gru_asr.encoders", fromlist=["x"]).BiGRUEncoder))
    assert rows["hidden_size"] == ("int", "256") and rows["projection_size"] == ("int | None", "None")
    ref = reference_markdown()
    assert "### `bigru`" in ref and "| `hidden_size` | int | `256` |" in ref and "## decoder" in ref
