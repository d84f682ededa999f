"""Validation rules that live in their own modules (the rest are still in ``ketdata._rules`` and friends)."""
