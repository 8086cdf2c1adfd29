"""Imports every module that defines ORM models, so that ``Base.metadata`` is complete.

Alembic's environment and the models-versus-migrations test rely on this list; a new domain
package adds its ``models`` module here.
"""

from synthfoundry.accounts import models as accounts_models
from synthfoundry.audit import models as audit_models
from synthfoundry.datasets import models as datasets_models
from synthfoundry.db import instance
from synthfoundry.db.base import Base
from synthfoundry.generators import models as generators_models
from synthfoundry.jobs import models as jobs_models
from synthfoundry.reports import models as reports_models
from synthfoundry.synthetic_datasets import models as synthetic_models

__all__ = [
    "Base",
    "accounts_models",
    "audit_models",
    "datasets_models",
    "generators_models",
    "instance",
    "jobs_models",
    "reports_models",
    "synthetic_models",
]
