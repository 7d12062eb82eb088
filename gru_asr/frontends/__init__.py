from gru_asr.frontends.base import FRONTENDS, Frontend, build_frontend
from gru_asr.frontends.logmel import LogMelFrontend
from gru_asr.frontends.spectral import LinearSpectrogramFrontend, MFCCFrontend

__all__ = ["FRONTENDS", "Frontend", "LinearSpectrogramFrontend", "LogMelFrontend", "MFCCFrontend", "build_frontend"]
