from gru_asr.frontends.base import FRONTENDS, Frontend, build_frontend
from gru_asr.frontends.logmel import LogMelFrontend

__all__ = ["FRONTENDS", "Frontend", "LogMelFrontend", "build_frontend"]
