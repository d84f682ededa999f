"""Text with no dependencies: one escaping function per output sink, and which characters a reader cannot see."""
