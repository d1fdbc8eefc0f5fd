"""Linearity references: opening them, CRDS's choice, the pipeline's earlier steps for unprepared inputs and their verified cache."""
