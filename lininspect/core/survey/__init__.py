"""Whole programs: per-exposure figures and mergeable per-detector partials, without Dask."""
