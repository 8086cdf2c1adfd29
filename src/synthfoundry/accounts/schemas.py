from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,255}$"
MIN_PASSWORD_LENGTH = 10


def _normalise_email(value: str) -> str:
    return value.strip().lower()


Email = Annotated[
    str,
    Field(min_length=3, max_length=320, pattern=EMAIL_PATTERN),
    AfterValidator(_normalise_email),
]
Password = Annotated[str, Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


class StrictModel(BaseModel):
    """Unknown fields are refused (422), so that nobody can slip in ``is_admin`` or ``owner_id``."""

    model_config = ConfigDict(extra="forbid")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    is_admin: bool
    is_active: bool
    created_at: datetime
    updated_at: datetime
    last_login_at: datetime | None


class UserCreate(StrictModel):
    email: Email
    name: Name
    password: Password
    is_admin: bool = False


class UserUpdate(StrictModel):
    """What an admin may change on any user."""

    name: Name | None = None
    is_admin: bool | None = None
    is_active: bool | None = None
    password: Password | None = None


class OwnUserUpdate(StrictModel):
    """What users may change on themselves: a new password needs the current one."""

    name: Name | None = None
    new_password: Password | None = None
    current_password: str | None = Field(default=None, max_length=1024)

    @model_validator(mode="after")
    def _current_password_with_new(self) -> OwnUserUpdate:
        if self.new_password is not None and not self.current_password:
            raise ValueError("current_password is required to set new_password")
        return self


class TokenPair(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_token: str
    refresh_expires_in: int


class RefreshRequest(StrictModel):
    refresh_token: str = Field(min_length=1, max_length=256)


class ApiKeyCreate(StrictModel):
    name: Name
    scopes: list[str] = Field(min_length=1, max_length=50)
    expires_at: datetime | None = None


class ApiKeyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    owner_id: uuid.UUID
    name: str
    key_id: str = Field(description="the public part of the key, shown in its prefix")
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKeyRead):
    secret: str = Field(description="the bearer value; shown this once and never again")
