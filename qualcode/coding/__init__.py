"""Applying codebooks to documents: the spaCy pipeline and, later, the rule engine."""
