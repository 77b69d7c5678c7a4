"""Jejak: start, stop and demonstrate the traceability services from one command."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jejak")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
