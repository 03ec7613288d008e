"""The review's own files: paper records, the taxonomy, YAML with line numbers."""
