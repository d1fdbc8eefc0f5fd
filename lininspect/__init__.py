"""lininspect: inspect JWST's detector linearity correction, with the pipeline's exact numbers."""

from __future__ import annotations  # no ``typing`` import: Ctrl-C must find its handler in place at once

__version__ = "0.1.0"

__all__ = ["CorrectionResult", "__version__", "correct_arrays"]


def __getattr__(name: str) -> object:
    """Load numpy and the kernel only when asked: ``lininspect`` must start (and stop) instantly."""
    if name in ("CorrectionResult", "correct_arrays"):
        from .core.kernels import correction

        return getattr(correction, name)
    raise AttributeError(f"module 'lininspect' has no attribute {name!r}")
