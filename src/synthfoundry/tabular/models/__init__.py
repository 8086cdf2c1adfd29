"""Tabular models, one module each; each registers itself with the synthesizer registry."""
