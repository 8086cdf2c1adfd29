"""Tabular synthesis: metadata, reversible transforms, models and sampling."""

from synthfoundry.tabular.metadata import ColumnKind, ColumnMetadata, Metadata

__all__ = ["ColumnKind", "ColumnMetadata", "Metadata"]
