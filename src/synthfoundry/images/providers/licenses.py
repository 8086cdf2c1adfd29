"""License codes as Openverse spells them, read from the many ways providers write them."""

from __future__ import annotations

import re

from synthfoundry.errors import InvalidInput

LICENSES = ("cc0", "pdm", "by", "by-sa", "by-nc", "by-nd", "by-nc-sa", "by-nc-nd", "unknown")
UNKNOWN = "unknown"
CREATIVE_COMMONS = re.compile(r"^(?:cc-)?(by(?:-nc)?(?:-sa|-nd)?)(?:-\d.*)?$")
CC0_NAMES = frozenset({"cc0", "cc-zero", "cc0-1.0", "cc-0"})
PUBLIC_DOMAIN_PREFIXES = ("pd", "public-domain", "publicdomain")
LABELS = {
    "cc0": "CC0",
    "pdm": "Public Domain",
    "by": "CC BY",
    "by-sa": "CC BY-SA",
    "by-nc": "CC BY-NC",
    "by-nd": "CC BY-ND",
    "by-nc-sa": "CC BY-NC-SA",
    "by-nc-nd": "CC BY-NC-ND",
    UNKNOWN: "license unknown",
}


def normalise_license(text: str | None) -> str:
    """One of ``LICENSES`` for a provider's spelling: "cc-by-sa-4.0", "CC BY 2.0", "PD", "CC0"..."""
    if not text:
        return UNKNOWN
    name = re.sub(r"[\s_]+", "-", text.strip().lower())
    if name in CC0_NAMES or name.startswith("cc0-"):
        return "cc0"
    if name.startswith(PUBLIC_DOMAIN_PREFIXES):
        return "pdm"
    match = CREATIVE_COMMONS.match(name)
    return match.group(1) if match else UNKNOWN


def license_label(code: str, version: str | None = None) -> str:
    """How a license is written in an attribution line: "CC BY-SA 4.0"."""
    label = LABELS.get(code, LABELS[UNKNOWN])
    if version and code not in ("pdm", UNKNOWN):
        return f"{label} {version}"
    return label


def check_licenses(licenses: frozenset[str] | None) -> None:
    """Refuse a filter naming a code outside ``LICENSES``: a typo would silently match nothing."""
    unknown = sorted((licenses or frozenset()) - set(LICENSES))
    if unknown:
        raise InvalidInput(
            f"unknown license codes {unknown}; expected some of {list(LICENSES)}",
            field="licenses",
        )
