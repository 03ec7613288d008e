"""What the review gains from its text: related papers, key terms, tags, the map."""
