"""Import hook that lets a CUDA build of torchvision import beside a CPU torch.

PyPI's torchvision is compiled for CUDA torch; with the CPU torch its C++ ops fail to load and
``torchvision._meta_registrations`` then dies registering fake kernels for ops that do not exist
("operator torchvision::nms does not exist"). transformers' image processors (hence vLLM and
lmms-eval) need ``import torchvision`` to work. This hook, installed by a ``.pth`` file so that it
is active in every process (vLLM spawns workers), makes ``torch.library.register_fake`` a no-op for
``torchvision::*`` ops, only while that one module executes and only when the ops failed to load.
Nothing installed is edited; on a matching torch/torchvision pair the hook does nothing.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import sys

_TARGET = "torchvision._meta_registrations"


def _ops_loaded() -> bool:
    try:
        from torchvision.extension import _has_ops

        return bool(_has_ops())
    except Exception:
        return False


class _Loader(importlib.abc.Loader):
    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        if _ops_loaded():
            return self._inner.exec_module(module)
        import torch.library

        real = torch.library.register_fake

        def register_fake(op, *args, **kwargs):
            name = op if isinstance(op, str) else getattr(op, "__name__", "")
            if isinstance(name, str) and name.startswith("torchvision::"):
                return lambda fn: fn  # op is absent: skip its fake kernel
            return real(op, *args, **kwargs)

        torch.library.register_fake = register_fake
        try:
            self._inner.exec_module(module)
        finally:
            torch.library.register_fake = real


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path, target=None):
        if fullname != _TARGET:
            return None
        sys.meta_path.remove(self)  # find the real spec without recursing
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            sys.meta_path.insert(0, self)
        if spec is not None and spec.loader is not None:
            spec.loader = _Loader(spec.loader)
        return spec


def install() -> None:
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


install()
