"""Reading and resampling audio. Importing this package does not import torch."""

from gru_asr.audio.io import AudioError, audio_info, load_audio, read_audio

__all__ = ["AudioError", "audio_info", "load_audio", "read_audio"]
