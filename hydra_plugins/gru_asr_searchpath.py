"""Hydra search-path plugin: config folders of installed gru_asr plugins.

Hydra imports every module in the ``hydra_plugins`` namespace package and calls
``manipulate_search_path`` before composing a config. A gru_asr plugin package that sets
a module-level ``CONFIG_DIR`` (and is listed under the ``gru_asr.plugins`` entry point, or
imported with ``--plugin``) gets that folder appended, so ``encoder=<its config>`` works
without copying files or editing the command line.

It acts only for Hydra apps whose primary config is gru_asr's ``train.yaml``: other Hydra
programs in the same environment never import gru_asr through it.
"""

from __future__ import annotations

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin

PROVIDER = "gru_asr-plugin"


class GruAsrPluginConfigs(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        from gru_asr.config_location import is_gru_asr_search_path

        if not any(is_gru_asr_search_path(element.path or "") for element in search_path.get_path()):
            return
        from gru_asr.registry import plugin_config_dirs

        known = {element.path for element in search_path.get_path()}
        for folder in plugin_config_dirs():
            path = f"file://{folder}"
            if path not in known:
                search_path.append(provider=PROVIDER, path=path)
