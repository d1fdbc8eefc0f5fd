"""The Qt-free core: files, data quality and the correction itself (numpy + astropy only).

Names are loaded on first use, so that ``lininspect.core.errors`` (which the command line
needs before anything else) does not pull in numpy and astropy.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "CorrectionCancelled": "errors",
    "CorrectionResult": "correction",
    "CorrectionSummary": "product",
    "Exposure": "exposure",
    "LinInspectError": "errors",
    "LinearityReference": "reference",
    "ReferenceComparison": "comparison",
    "coefficients_for": "reference",
    "compare_references": "comparison",
    "correct_arrays": "correction",
    "correct_file": "product",
    "default_output_path": "product",
    "open_exposure": "exposure",
    "open_reference": "reference",
    "prepare_coefficients": "correction",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module 'lininspect.core' has no attribute {name!r}")
