"""The Qt-free core: files, data quality and the correction itself (numpy + astropy only)."""

from .correction import CorrectionResult, correct_arrays, prepare_coefficients
from .errors import CorrectionCancelled, LinInspectError
from .exposure import Exposure, open_exposure
from .product import CorrectionSummary, correct_file, default_output_path, export_corrected
from .reference import LinearityReference, coefficients_for, open_reference

__all__ = [
    "CorrectionCancelled",
    "CorrectionResult",
    "CorrectionSummary",
    "Exposure",
    "LinInspectError",
    "LinearityReference",
    "coefficients_for",
    "correct_arrays",
    "correct_file",
    "default_output_path",
    "export_corrected",
    "open_exposure",
    "open_reference",
    "prepare_coefficients",
]
