from gru_asr.evaluation.evaluate import EvaluationReport, evaluate_manifest

__all__ = ["EvaluationReport", "evaluate_manifest"]
