from gru_asr.audio.io import AudioError, audio_info, load_audio

__all__ = ["AudioError", "audio_info", "load_audio"]
