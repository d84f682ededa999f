"""Files on disk: the overlay validation reads a would-be state through, and the one transaction that writes."""
