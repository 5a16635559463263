"""The examples in the docstrings run and give what they show (a stale example is a wrong
document): every module of both packages, through :mod:`doctest`."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import solvers
import theory


def _modules() -> list[str]:
    """Modules whose source has an example (importing the others costs time and tests nothing)."""
    names = []
    for pkg in (theory, solvers):
        infos = [(pkg.__name__, pkg.__file__)]
        for info in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
            spec = info.module_finder.find_spec(info.name)
            infos.append((info.name, spec.origin if spec else None))
        for name, origin in infos:
            if origin and origin.endswith(".py") and not name.endswith("__main__"):
                with open(origin, encoding="utf-8") as fh:
                    if ">>>" in fh.read():
                        names.append(name)
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples_hold(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} fail"
