from gru_asr.metrics.wer import ErrorCounts, count_errors

__all__ = ["ErrorCounts", "count_errors"]
