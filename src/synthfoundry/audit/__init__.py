"""Append-only audit events, written in the same transaction as the change they describe."""

from synthfoundry.audit.service import SYSTEM, AuditContext, record
from synthfoundry.packages import Package

PACKAGE = Package(
    name="audit",
    models=("synthfoundry.audit.models",),
    routers=("synthfoundry.api.v1.audit_events:router",),
)

__all__ = ["PACKAGE", "SYSTEM", "AuditContext", "record"]
