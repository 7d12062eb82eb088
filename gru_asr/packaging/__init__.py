from gru_asr.packaging.package import PackageError, load_package, read_package_info, save_package

__all__ = ["PackageError", "load_package", "read_package_info", "save_package"]
