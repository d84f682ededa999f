"""Files and text at the edges: safe reads and writes, YAML, escaping per output sink, and the one transaction.

The transaction (lock, journal, commit) and the overlay through which a would-be state is validated live here.
"""
