"""Every utterance left out of training, with its reason, from every rank.

Utterances refused up front (bad transcripts) come from the dataset; those that fail
while loading (unreadable audio) arrive with each batch (``batch["skipped"]``). Each
rank sees its own share: at the end of training the ranks' reports are pooled, so
``train_result.json`` lists every skipped id.
"""

from __future__ import annotations

from lightning.pytorch.callbacks import Callback

from gru_asr.data.dataset import SkipReport


class SkippedUtterances(Callback):
    def __init__(self, skipped_up_front: dict[str, str] | None = None) -> None:
        self.report = SkipReport(dict(skipped_up_front or {}))
        self.all_ranks: dict[str, str] | None = None  # set at the end of training

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        for utt_id, reason in batch["skipped"]:
            self.report.add(utt_id, reason)

    def on_train_end(self, trainer, pl_module) -> None:
        # Pooled while the process group is certainly up (inside fit, where Lightning
        # runs its own collectives), not after fit returns.
        self.all_ranks = dict(self.report.skipped)
        if trainer.world_size > 1:
            import torch.distributed as dist

            if dist.is_available() and dist.is_initialized():
                reports: list = [None] * dist.get_world_size()
                dist.all_gather_object(reports, dict(self.report.skipped))
                for report in reports:
                    self.all_ranks.update(report or {})

    def pooled(self) -> dict[str, str]:
        """Every rank's skipped ids once training has ended, this rank's before."""
        return self.all_ranks if self.all_ranks is not None else dict(self.report.skipped)

    def on_save_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        checkpoint.setdefault("gru_asr", {})["skipped"] = dict(self.report.skipped)

    def on_load_checkpoint(self, trainer, pl_module, checkpoint: dict) -> None:
        self.report.skipped.update((checkpoint.get("gru_asr") or {}).get("skipped", {}))
