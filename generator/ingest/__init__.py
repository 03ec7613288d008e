"""Reading sources: file formats, abstracts, de-duplication, importing into records."""
