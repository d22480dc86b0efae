"""The project's YAML configs, shipped as package data: read them with ``pebench_core.config``."""
