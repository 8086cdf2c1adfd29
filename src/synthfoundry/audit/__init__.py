"""Append-only audit events, written in the same transaction as the change they describe."""

from synthfoundry.audit.service import SYSTEM, AuditContext, record

__all__ = ["SYSTEM", "AuditContext", "record"]
