"""Files and text at the edges: the safe read and write, YAML reading, escaping per output sink."""
