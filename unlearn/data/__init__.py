"""Training data for `unlearn`: encoding (tokenise once, patchify once, augment every step),
deterministic resumable sample streams, balanced concept sampling (BGD) and collation."""
from .augment import AugmentConfig, augment
from .datasets import (BalancedConceptSampler, Collator, FinetuneDataset, LazyRows, Stream, UnlearnDataset, load_rows,
                       model_inputs)
from .encode import IGNORE, Encoded, Encoder

__all__ = ["AugmentConfig", "augment", "BalancedConceptSampler", "Collator", "FinetuneDataset", "Stream",
           "UnlearnDataset", "LazyRows", "load_rows", "model_inputs", "IGNORE", "Encoded", "Encoder"]
