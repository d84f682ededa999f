"""Validation: one pipeline from a data folder to located problems and, when clean, the dataset."""
