"""The Qt-free core: files, data quality and the correction itself (numpy + astropy only).

Names are loaded on first use, so that ``lininspect.core.errors`` (which the command line
needs before anything else) does not pull in numpy and astropy.
"""

from importlib import import_module
from typing import Any

_HOMES = {
    "CorrectionCancelled": "errors",
    "CorrectionResult": "kernels.correction",
    "CorrectionSummary": "fits.product",
    "Exposure": "fits.exposure",
    "LinInspectError": "errors",
    "LinearityReference": "references.reference",
    "ReferenceComparison": "analysis.comparison",
    "coefficients_for": "references.reference",
    "compare_references": "analysis.comparison",
    "correct_arrays": "kernels.correction",
    "correct_file": "fits.product",
    "default_output_path": "fits.product",
    "open_exposure": "fits.exposure",
    "open_reference": "references.reference",
    "prepare_coefficients": "kernels.correction",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(f".{_HOMES[name]}", __name__), name)
    raise AttributeError(f"module 'lininspect.core' has no attribute {name!r}")
