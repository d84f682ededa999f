"""The read path: finding the shipped data and loading it, on the standard library alone."""
