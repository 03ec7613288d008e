"""litreview: turn pasted paper abstracts into a browsable, searchable review site."""

__version__ = "0.1.0"
