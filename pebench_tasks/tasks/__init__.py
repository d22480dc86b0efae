"""PEBench as lmms-eval tasks. This folder is an lmms-eval task folder (YAMLs + ``utils.py``);
``TASKS_DIR`` is what ``--include_path`` takes and what the plugin registers automatically.
The functions the YAMLs reference live in ``impl.py`` (``utils.py`` re-exports them: lmms-eval
executes ``utils.py`` afresh for every ``!function``, so shared state must live elsewhere)."""
from pathlib import Path

TASKS_DIR = Path(__file__).resolve().parent
