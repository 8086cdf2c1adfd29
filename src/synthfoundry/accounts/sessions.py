"""Ending a login session from one of its refresh tokens (the web UI's sign-out, which holds the
refresh token in a cookie and no access token it could trust after a reload)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from synthfoundry import audit
from synthfoundry.accounts.models import AuthSession, RefreshToken
from synthfoundry.accounts.secrets import sha256_hex
from synthfoundry.audit import AuditContext
from synthfoundry.db import utcnow


def end_by_refresh_token(session: Session, context: AuditContext, token: str) -> bool:
    """Revoke the session ``token`` belongs to (used or not); False if it names none alive."""
    stored = session.scalars(
        select(RefreshToken).where(RefreshToken.token_hash == sha256_hex(token))
    ).first()
    auth_session = session.get(AuthSession, stored.session_id) if stored else None
    if auth_session is None or auth_session.revoked_at is not None:
        return False
    auth_session.revoked_at = utcnow()
    auth_session.revoked_reason = "logout"
    audit.record(
        session,
        AuditContext("user", auth_session.user_id, None, context.client_ip, context.request_id),
        "auth.logout",
        target_type="auth_session",
        target_id=auth_session.id,
    )
    return True
