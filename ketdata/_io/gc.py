"""Pausing the garbage collector around bulk work.

Reading, validating and exporting a large dataset make millions of small objects and no reference
cycles; the collector's passes over the ever larger heap would make the cost grow faster than the data.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """Turn automatic collection off inside the block, and back on after it if it was on.

    The objects made inside the block are moved to the oldest generation on the way out (``freeze`` and
    ``unfreeze`` splice lists, they visit no object): else the first allocation after the block would
    run a young collection over every one of them, the whole dataset, only to find no cycle.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
