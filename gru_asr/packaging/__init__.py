from gru_asr.packaging.package import AtomicWriteError, PackageError, load_package, read_package_info, save_package

__all__ = ["AtomicWriteError", "PackageError", "load_package", "read_package_info", "save_package"]
