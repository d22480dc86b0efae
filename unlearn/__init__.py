"""PEBench unlearning: tiny models, LoRA unlearning methods and their CLI."""
