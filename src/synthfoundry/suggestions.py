"""Unknown names (a misspelt parameter, field or column) are refused, each one named, with the
closest known name when one is close: ``params.epoch: unknown parameter; did you mean "epochs"?``.
Dropping them silently would run something other than what was asked for."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Sequence

from pydantic import AliasChoices, BaseModel

from synthfoundry.errors import InvalidInput

# Short lists are shown in full when no known name is close; long ones (columns) are not.
LISTED_AT_MOST = 20


def closest(name: str, known: Collection[str]) -> str | None:
    """The known name ``name`` most likely misspells, if one is close enough."""
    found = difflib.get_close_matches(name, sorted(known), n=1)
    return found[0] if found else None


def did_you_mean(name: str, known: Collection[str]) -> str:
    """``; did you mean "epochs"?`` when a known name is close to ``name``, else nothing."""
    match = closest(name, known)
    return f'; did you mean "{match}"?' if match is not None else ""


def unknown_name(what: str, name: str, known: Collection[str]) -> str:
    """``unknown parameter; did you mean "epochs"?``, else the known names when they are few."""
    if hint := did_you_mean(name, known):
        return f"unknown {what}{hint}"
    if known and len(known) <= LISTED_AT_MOST:
        return f"unknown {what}; known: {', '.join(sorted(known))}"
    return f"unknown {what}"


def invalid(field_errors: Sequence[tuple[str, str]], *, subject: str = "") -> InvalidInput:
    """One ``InvalidInput`` for several ``(field path, message)`` problems; ``subject`` opens its
    detail (``"ctgan "``)."""
    return InvalidInput(
        subject + "; ".join(f"{path}: {message}" for path, message in field_errors),
        field=field_errors[0][0],
        field_errors=field_errors,
    )


def refuse_unknown(
    what: str, unknown: Sequence[tuple[str, str]], known: Collection[str], *, subject: str = ""
) -> None:
    """Raise ``InvalidInput`` naming each unknown ``(field path, name)``; nothing when none."""
    if unknown:
        field_errors = [(path, unknown_name(what, name, known)) for path, name in unknown]
        raise invalid(field_errors, subject=subject)


def model_keys(model: type[BaseModel]) -> set[str]:
    """The keys ``model`` accepts: its field names and their aliases."""
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        keys.add(name)
        if field.alias:
            keys.add(field.alias)
        alias = field.validation_alias
        if isinstance(alias, str):
            keys.add(alias)
        elif isinstance(alias, AliasChoices):
            keys.update(choice for choice in alias.choices if isinstance(choice, str))
    return keys
