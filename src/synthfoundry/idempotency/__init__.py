"""``Idempotency-Key``: a retried creating request answers as the first one did, once. The HTTP
side is ``api/idempotency.py``; this package keeps the keys and the answers."""

from synthfoundry.packages import Package

PACKAGE = Package(name="idempotency", models=("synthfoundry.idempotency.models",))

__all__ = ["PACKAGE"]
