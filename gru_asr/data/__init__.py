from gru_asr.data.manifest import ManifestError, read_manifest, write_manifest

__all__ = ["ManifestError", "read_manifest", "write_manifest"]
