"""Zhanjiang unemployed-persons service portal."""
