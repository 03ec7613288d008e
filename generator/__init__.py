"""litreview: turn pasted paper abstracts into a browsable, searchable review site.

Distributed on PyPI as `litreview-site`; the command is `litreview`.
"""

# The one place of the version: pyproject.toml reads it (tool.hatch.version), `litreview
# --version` prints it, `litreview init` pins it in requirements.txt, and a release tag
# (.github/workflows/release.yml) must be `v` followed by it.
__version__ = "0.1.0"
