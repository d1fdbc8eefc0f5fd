"""lininspect: inspect JWST's detector linearity correction, with the pipeline's exact numbers."""

__version__ = "0.1.0"

from .core.correction import CorrectionResult, correct_arrays  # noqa: E402

__all__ = ["CorrectionResult", "__version__", "correct_arrays"]
