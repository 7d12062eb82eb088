from gru_asr.augment.base import AUGMENTATIONS, Augmentation, build_augmentations
from gru_asr.augment.specaugment import SpecAugment

__all__ = ["AUGMENTATIONS", "Augmentation", "SpecAugment", "build_augmentations"]
