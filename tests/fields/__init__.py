"""Extraction fields (content/fields.yaml), their values, evidence tables and matrices."""
