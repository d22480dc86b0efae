"""HF ``Trainer`` subclasses: the loss lives in ``compute_loss`` (as in TRL and open-unlearning), so
everything else — optimizer, schedule, gradient accumulation, checkpoints/resume, accelerate,
DeepSpeed, FSDP — is the stock Trainer's.

* :class:`FinetuneTrainer`: answer-token NLL (mean over each row's answer tokens, then over rows).
* :class:`UnlearnTrainer`: delegates to an :class:`unlearn.methods.Method`.

Both read their (virtual, deterministic) datasets in order (:class:`SequentialSampler`), average the
per-step loss parts into the logs, and report losses and gradient norms to the blow-up guard.
"""
from __future__ import annotations

from collections import defaultdict

import torch
from torch.utils.data import SequentialSampler
from transformers import Trainer

from ..methods.base import LossContext, seq_nll
from . import aux_heads
from .guard import Guard


class _Base(Trainer):
    def __init__(self, *args, guard: Guard | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.guard = guard
        self._parts: dict[str, list[float]] = defaultdict(list)

    # the dataset already shuffles deterministically (seed, index): read it in order
    def _get_train_sampler(self, train_dataset=None):
        ds = train_dataset if train_dataset is not None else self.train_dataset
        return SequentialSampler(ds)

    def _record(self, loss: torch.Tensor, logs: dict) -> None:
        # one device->host copy per micro-batch for the loss and every logged value (each float()
        # of a GPU tensor is a sync that leaves the GPU idle while the next step is launched)
        keys = list(logs)
        vals = torch.stack([loss.detach().float().reshape(()),
                            *(torch.as_tensor(logs[k], device=loss.device).float().reshape(()) for k in keys)]).tolist()
        floats = dict(zip(keys, vals[1:]))
        for k, v in floats.items():
            self._parts[k].append(v)
        if self.guard is not None:
            self.guard.check_loss(vals[0], floats, self.state.global_step)

    def _clip_grad_norm(self, model):
        norm = super()._clip_grad_norm(model)
        if self.guard is not None:
            self.guard.check_grad_norm(norm, self.state.global_step)
        return norm

    # transformers 5 saves checkpoints in the original key layout (`save_original_format`) but
    # resumes with a non-strict `load_state_dict` in the in-memory layout: a full model's language
    # weights were silently not restored. Checkpoints keep the in-memory names, and a resume that
    # misses any weight is an error. (Final models are saved by our own code, in the original layout.)
    def _save(self, output_dir=None, state_dict=None):
        from transformers import PreTrainedModel

        if not isinstance(self.model, PreTrainedModel):          # peft adapters: the stock path
            return super()._save(output_dir, state_dict)
        output_dir = output_dir or self.args.output_dir
        self.model.save_pretrained(output_dir, state_dict=state_dict, save_original_format=False)
        torch.save(self.args, f"{output_dir}/training_args.bin")

    def _issue_warnings_after_load(self, load_result):
        tied = set(getattr(self.model, "all_tied_weights_keys", None) or {})    # saved once, under their source
        missing = [k for k in load_result.missing_keys if k not in tied]
        if missing:
            raise RuntimeError(f"resume: the checkpoint lacks {len(missing)} weights (e.g. {missing[0]}); "
                               "delete the run's .work folder to start over")
        return super()._issue_warnings_after_load(load_result)

    def log(self, logs, start_time=None):
        if self._parts:
            for k, vals in self._parts.items():
                logs[k] = round(sum(vals) / len(vals), 5)
            self._parts.clear()
        return super().log(logs, start_time)


class FinetuneTrainer(_Base):
    """Answer-token NLL, plus the auxiliary identity loss when the model carries aux heads."""

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        labels = inputs["labels"]
        fwd = {k: v for k, v in inputs.items() if k not in ("labels", "concept", "concept_ids") and not k.startswith("aux_")}
        out = model(**fwd, use_cache=False)
        nll = seq_nll(out.logits, labels).mean()
        loss, logs = nll, {"nll": nll.detach()}
        heads = getattr(model, aux_heads.ATTR, None)
        if heads is not None:
            aux, aux_logs = heads.loss(inputs, labels.shape[0])
            loss, logs = loss + aux, {**logs, **aux_logs}
        self._record(loss, logs)
        return (loss, out) if return_outputs else loss


class UnlearnTrainer(_Base):
    def __init__(self, *args, method=None, ref_model=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.method = method
        self.ref_model = ref_model

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        ctx = LossContext(model=model, ref_model=self.ref_model)
        loss, logs = self.method.loss(ctx, inputs)
        self._record(loss, logs)
        return (loss, None) if return_outputs else loss
