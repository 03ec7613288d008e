"""The driver: stages in order, the data files' worker, MkDocs and the site folder."""
