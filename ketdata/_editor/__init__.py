"""Editor tools that change the data folder on an editor's request (source revisions, for now)."""
