"""Derived data kept between builds, keyed by what it was made from."""
