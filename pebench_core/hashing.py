"""Content hashes for provenance: which model and data files a run or a stage used."""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .names import DATA_META_FILE


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


def sha256_json(obj) -> str:
    """Hash of a JSON-able object (keys sorted): the identity of a config or a stage's inputs."""
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


def model_hash(model_dir: str | os.PathLike) -> dict:
    """sha256 over config.json and the weight files (names sorted). Folders with more than
    ``PEBENCH_FULL_HASH_MAX_GB`` (default 4) of weights get a fast hash (config, index, file names and
    sizes, first and last MiB of each file), recorded as ``kind: fast``."""
    d = Path(model_dir)
    files = sorted([p for p in d.iterdir() if p.suffix in (".safetensors", ".bin") or p.name in
                    ("config.json", "model.safetensors.index.json")], key=lambda p: p.name)
    total = sum(p.stat().st_size for p in files)
    full = total <= float(os.environ.get("PEBENCH_FULL_HASH_MAX_GB", "4")) * 2**30
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode())
        if full or p.suffix == ".json":
            h.update(sha256_file(p).encode())
        else:
            size = p.stat().st_size
            h.update(str(size).encode())
            with open(p, "rb") as f:
                h.update(f.read(1 << 20))
                f.seek(max(0, size - (1 << 20)))
                h.update(f.read(1 << 20))
    return {"sha256": h.hexdigest(), "kind": "full" if full else "fast", "files": [p.name for p in files]}


def data_hashes(data_dir: str | os.PathLike, files: list[str]) -> dict:
    d = Path(data_dir)
    per = {f: sha256_file(d / f) for f in [DATA_META_FILE, *files] if (d / f).is_file()}
    h = hashlib.sha256()
    for k in sorted(per):
        h.update(f"{k}:{per[k]}".encode())
    return {"files": per, "sha256": h.hexdigest()}
