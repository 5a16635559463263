"""Lazy namespaces: a package's public names, each imported from its module on first use.

The scientific-Python lazy-loading pattern (SPEC 1): ``import solvers.control`` (or ``theory``) costs nothing
until a name is used, so the command line can list methods and build its parser without
importing numba, SciPy or SymPy. A package declares ``name -> submodule`` once::

    __getattr__, __dir__, __all__ = attach(__name__, {"solve": "registry", ...})
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping

__all__ = ["attach"]


def attach(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], object], Callable[[], list[str]], list[str]]:
    """``__getattr__``, ``__dir__`` and ``__all__`` for ``package`` serving ``exports``.

    ``exports`` maps a public name to the submodule (relative to ``package``) that defines it;
    a name equal to its submodule's name serves the submodule itself.
    """
    names = sorted(exports)

    def __getattr__(name: str):
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(f"{package}.{exports[name]}")
        return module if exports[name] == name else getattr(module, name)

    def __dir__() -> list[str]:
        return list(names)

    return __getattr__, __dir__, names
