"""The lunr.js search index, in one file or in shards."""
