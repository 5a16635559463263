"""The ``optlr`` command line (entry point ``solvers.cli:main``)."""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
