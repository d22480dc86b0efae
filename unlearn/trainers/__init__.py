"""Trainers (HF ``Trainer`` subclasses with ``compute_loss`` overrides), the blow-up guard and
training callbacks."""
from .callbacks import CurveCallback, StatusFileCallback, StepTimer
from .guard import Guard, GuardCallback, GuardConfig, GuardTripped, TrainingDiverged
from .trainers import FinetuneTrainer, UnlearnTrainer

__all__ = ["CurveCallback", "StatusFileCallback", "StepTimer", "Guard", "GuardCallback", "GuardConfig", "GuardTripped",
           "TrainingDiverged", "FinetuneTrainer", "UnlearnTrainer"]
