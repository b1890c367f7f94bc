"""sif-eval: evaluation toolkit for Swedish municipalities' social investment funds."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sif-eval")
except PackageNotFoundError:  # running from a source tree without install
    __version__ = "0.0.0+src"

__all__ = ["__version__"]
