"""PEBench data: the synthetic builder (`pebench data build`), the folder writer shared with the
importer, and the reader API (`pebench_data.dataset.open_dataset`). Layout: docs/schema.md."""
