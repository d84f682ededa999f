"""Editor tools: the commands that format, create, release, compare and show records."""
