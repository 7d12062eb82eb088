"""The training run's cross-cutting jobs, one callback each.

Attached by the training module itself (``CTCTrainingModule.configure_callbacks``), so that
any Trainer that fits it keeps them: :class:`NonFiniteGuard` and, with ``ema``,
:class:`ExponentialMovingAverage`. Attached by :func:`gru_asr.training.train.train`:
:class:`TrainingDataStream` and :class:`FollowEpochLength` (they need the training loader)
and :class:`SkippedUtterances`.
"""

from gru_asr.training.callbacks.data_stream import FollowEpochLength, TrainingDataStream
from gru_asr.training.callbacks.nonfinite import NonFiniteGuard
from gru_asr.training.callbacks.skipped import SkippedUtterances
from gru_asr.training.callbacks.weight_average import ExponentialMovingAverage

__all__ = ["ExponentialMovingAverage", "FollowEpochLength", "NonFiniteGuard", "SkippedUtterances", "TrainingDataStream"]
