"""Every ORM table: the installed packages declare the modules that define them
(``synthfoundry.packages``); Alembic's environment and the models-versus-migrations test import
this module to see them all."""

from synthfoundry.db import instance
from synthfoundry.db.base import Base
from synthfoundry.packages import import_models

import_models()

__all__ = ["Base", "instance"]
