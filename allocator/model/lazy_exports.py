"""Package ``__init__``s that import what they export on first use (PEP 562).

``allocator --help`` must not import numpy or pandas; a package whose ``__init__``
imported its modules eagerly would pull them in through any ``from package import x``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_getattr(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` importing ``exports[name]`` on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__`` (for the error message).
    exports : mapping
        Exported name -> module that defines it.
    """
    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name]), name)

    return __getattr__
