"""The record model: the immutable record classes, their plain-data conversion, the Dataset, and problems."""
