"""Markdown pages, feeds, bibliographies and the catalog, from the Jinja2 templates."""
