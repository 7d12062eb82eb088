from gru_asr.packaging.package import PackageError, load_package, read_package_info, save_package
from gru_asr.utils.atomic_files import AtomicWriteError

__all__ = ["AtomicWriteError", "PackageError", "load_package", "read_package_info", "save_package"]
