"""What each column of a table is: detected from the data, adjustable by the user, saved as JSON.

Numbers stay numbers: a numeric column is never turned into an identifier or a category by
guesswork, however many distinct values it has. Only text columns are classified as categories,
identifiers, free text or datetimes.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from synthfoundry.errors import InvalidInput
from synthfoundry.suggestions import closest, did_you_mean

METADATA_VERSION = 1
MAX_STORED_CATEGORIES = 1000
MAX_DECIMALS = 6
_TRUE = frozenset({"true", "yes", "y", "t"})
_FALSE = frozenset({"false", "no", "n", "f"})
DATETIME_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%SZ",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%Y%m%d",
)
_IDENTIFIER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-.:]{0,63}$")


class ColumnKind(StrEnum):
    INTEGER = "integer"
    FLOAT = "float"
    CATEGORICAL = "categorical"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    IDENTIFIER = "identifier"
    TEXT = "text"
    CONSTANT = "constant"

    @property
    def is_numeric(self) -> bool:
        return self in (ColumnKind.INTEGER, ColumnKind.FLOAT)


class ColumnMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    kind: ColumnKind
    nullable: bool = False
    null_fraction: float = Field(default=0.0, ge=0, le=1)
    minimum: float | None = None
    maximum: float | None = None
    decimals: int | None = Field(default=None, ge=0, le=MAX_DECIMALS)
    datetime_format: str | None = None
    categories: list[Any] | None = Field(default=None, description="observed values, when few")
    constant_value: Any = None
    identifier_pattern: str | None = Field(
        default=None, description="the shape of identifiers: digits become #, letters a/A"
    )


class Metadata(BaseModel):
    """The columns of a table, in order."""

    model_config = ConfigDict(extra="forbid")

    version: int = METADATA_VERSION
    columns: list[ColumnMetadata]

    @classmethod
    def detect(
        cls, data: pd.DataFrame, overrides: dict[str, ColumnKind | str] | None = None
    ) -> Metadata:
        if data.shape[1] == 0:
            raise InvalidInput("the table has no columns")
        if len(data) == 0:
            raise InvalidInput("the table has no rows")
        columns = [detect_column(str(name), data[name]) for name in data.columns]
        return cls(columns=columns).with_overrides(overrides or {}, data)

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> ColumnMetadata:
        for column in self.columns:
            if column.name == name:
                return column
        raise InvalidInput(f"unknown column {name!r}{did_you_mean(name, self.names)}", field=name)

    def kind(self, name: str) -> ColumnKind:
        return self.column(name).kind

    def with_overrides(
        self, overrides: dict[str, ColumnKind | str], data: pd.DataFrame | None = None
    ) -> Metadata:
        """A copy in which the named columns have the given kinds (re-profiled given data)."""
        columns = []
        for column in self.columns:
            if column.name not in overrides:
                columns.append(column)
                continue
            try:
                kind = ColumnKind(overrides[column.name])
            except ValueError:
                allowed = ", ".join(kind.value for kind in ColumnKind)
                raise InvalidInput(
                    f"column {column.name!r}: unknown kind {overrides[column.name]!r}; "
                    f"use one of {allowed}",
                    field=column.name,
                ) from None
            if data is not None:
                columns.append(detect_column(column.name, data[column.name], kind=kind))
            else:
                columns.append(column.model_copy(update={"kind": kind}))
        if unknown := sorted(set(overrides) - set(self.names)):
            named = ", ".join(
                name if (close := closest(name, self.names)) is None else f'{name} ("{close}"?)'
                for name in unknown
            )
            raise InvalidInput(f"overrides name unknown columns: {named}", field=unknown[0])
        return Metadata(columns=columns)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> Metadata:
        metadata = cls.model_validate_json(text)
        if metadata.version != METADATA_VERSION:
            raise InvalidInput(f"metadata version {metadata.version} is not supported")
        return metadata

    def validate_table(
        self, data: pd.DataFrame, *, min_rows: int = 1, allow_all_null: bool = False
    ) -> None:
        """Raise ``InvalidInput`` naming the first column (or the table) that does not fit."""
        if len(data) == 0:
            raise InvalidInput("the table has no rows")
        if len(data) < min_rows:
            raise InvalidInput(f"the table has {len(data)} rows; at least {min_rows} are needed")
        names = [str(name) for name in data.columns]
        if unknown := [name for name in names if name not in self.names]:
            raise InvalidInput(
                f"unknown column {unknown[0]!r}{did_you_mean(unknown[0], self.names)}",
                field=unknown[0],
            )
        if missing := [name for name in self.names if name not in names]:
            raise InvalidInput(f"column {missing[0]!r} is missing", field=missing[0])
        for column in self.columns:
            values = data[column.name]
            non_null = values.dropna()
            if non_null.empty and not allow_all_null:
                raise InvalidInput(
                    f"column {column.name!r} has only missing values", field=column.name
                )
            _check_type(column, non_null)


def _check_type(column: ColumnMetadata, values: pd.Series) -> None:
    if values.empty:
        return
    if column.kind.is_numeric:
        converted = pd.to_numeric(values, errors="coerce")
        bad = values[converted.isna()]
        if not bad.empty:
            raise InvalidInput(
                f"column {column.name!r} should hold numbers; found {str(bad.iloc[0])!r}",
                field=column.name,
            )
        if column.kind == ColumnKind.INTEGER and not np.all(
            np.mod(converted.to_numpy(float), 1) == 0
        ):
            raise InvalidInput(
                f"column {column.name!r} should hold whole numbers", field=column.name
            )
    elif column.kind == ColumnKind.DATETIME:
        parsed = parse_datetimes(values, column.datetime_format)
        if parsed.isna().any():
            bad = values[parsed.isna()].iloc[0]
            raise InvalidInput(
                f"column {column.name!r} should hold dates like {column.datetime_format}; "
                f"found {str(bad)!r}",
                field=column.name,
            )
    elif column.kind == ColumnKind.BOOLEAN and as_booleans(values).isna().any():
        raise InvalidInput(
            f"column {column.name!r} should hold true/false values", field=column.name
        )


def parse_datetimes(values: pd.Series, datetime_format: str | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    return pd.to_datetime(
        values.astype("string"), format=datetime_format or "ISO8601", errors="coerce"
    )


def datetime_seconds(parsed: pd.Series) -> np.ndarray:
    """Seconds since the epoch (NaN for missing) whatever the resolution: pandas 3 parses to
    microseconds, so counting nanoseconds would be a thousand times off."""
    seconds = (parsed - pd.Timestamp(0)) / pd.Timedelta(seconds=1)
    return np.array(seconds.to_numpy(dtype=float, na_value=np.nan), dtype=float)


def as_booleans(values: pd.Series) -> pd.Series:
    """Booleans from bool, 0/1 or yes/no/true/false text; unparseable values become missing."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("boolean")
    result = pd.Series(pd.NA, index=values.index, dtype="boolean")
    if pd.api.types.is_numeric_dtype(values):
        result[(values == 1).fillna(False).to_numpy(dtype=bool)] = True
        result[(values == 0).fillna(False).to_numpy(dtype=bool)] = False
        return result
    lowered = values.astype("string").str.strip().str.lower()
    result[lowered.isin(_TRUE).fillna(False).to_numpy(dtype=bool)] = True
    result[lowered.isin(_FALSE).fillna(False).to_numpy(dtype=bool)] = False
    return result


def _decimals(values: np.ndarray) -> int:
    for places in range(MAX_DECIMALS + 1):
        if np.allclose(np.round(values, places), values, rtol=0, atol=10.0 ** (-(places + 3))):
            return places
    return MAX_DECIMALS


IDENTIFIER_CLASSES = {
    "#": "0123456789",
    "@": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "%": "abcdefghijklmnopqrstuvwxyz",
}


def _character_class(character: str) -> str:
    if character.isdigit():
        return "#"
    if character.isupper():
        return "@"
    if character.islower():
        return "%"
    return "\\" + character if character in "#@%\\" else character


def identifier_pattern(values: pd.Series) -> str | None:
    """The shape of identifiers, position by position: a letter or sign that is the same in every
    value stays literal; others become # (digit), @ (capital) or % (small letter)."""
    texts = values.astype("string").head(2000).tolist()
    if not texts:
        return None
    length = max(set(map(len, texts)), key=[len(text) for text in texts].count)
    same_length = [text for text in texts if len(text) == length]
    pattern = []
    for position in range(length):
        characters = {text[position] for text in same_length}
        # Digits stay digit slots even when constant in the sample (sequential numbers).
        if len(characters) == 1 and not next(iter(characters)).isdigit():
            character = characters.pop()
            pattern.append("\\" + character if character in "#@%\\" else character)
        else:
            classes = {_character_class(character) for character in characters}
            pattern.append(classes.pop() if len(classes) == 1 else "#")
    return "".join(pattern)


def _datetime_format(values: pd.Series) -> str | None:
    sample = values.astype("string").head(2000)
    for candidate in DATETIME_FORMATS:
        parsed = pd.to_datetime(sample, format=candidate, errors="coerce")
        if parsed.notna().all():
            return candidate
    return None


def detect_column(name: str, values: pd.Series, kind: ColumnKind | None = None) -> ColumnMetadata:
    non_null = values.dropna()
    null_fraction = float(1 - len(non_null) / len(values)) if len(values) else 0.0
    base: dict[str, Any] = {
        "name": name,
        "nullable": null_fraction > 0,
        "null_fraction": round(null_fraction, 6),
    }
    kind = kind or _guess_kind(values, non_null)
    if kind == ColumnKind.CONSTANT:
        constant = non_null.iloc[0] if len(non_null) else None
        return ColumnMetadata(**base, kind=kind, constant_value=_plain(constant))
    if kind.is_numeric:
        numbers = pd.to_numeric(non_null, errors="coerce").dropna().to_numpy(dtype=float)
        if len(numbers) == 0:
            raise InvalidInput(f"column {name!r} has no numbers", field=name)
        decimals = 0 if kind == ColumnKind.INTEGER else _decimals(numbers)
        return ColumnMetadata(
            **base,
            kind=kind,
            minimum=float(numbers.min()),
            maximum=float(numbers.max()),
            decimals=decimals,
        )
    if kind == ColumnKind.DATETIME:
        datetime_format = (
            None if pd.api.types.is_datetime64_any_dtype(values) else _datetime_format(non_null)
        )
        parsed = parse_datetimes(non_null, datetime_format).dropna()
        stamps = np.floor(datetime_seconds(parsed)) if len(parsed) else np.zeros(1)
        return ColumnMetadata(
            **base,
            kind=kind,
            datetime_format=datetime_format,
            minimum=float(stamps.min()),
            maximum=float(stamps.max()),
        )
    if kind == ColumnKind.BOOLEAN:
        return ColumnMetadata(**base, kind=kind, categories=[False, True])
    if kind == ColumnKind.IDENTIFIER:
        return ColumnMetadata(**base, kind=kind, identifier_pattern=identifier_pattern(non_null))
    if kind == ColumnKind.CATEGORICAL:
        counts = non_null.value_counts()
        categories = [_plain(value) for value in counts.index[:MAX_STORED_CATEGORIES]]
        return ColumnMetadata(
            **base,
            kind=kind,
            categories=categories if len(counts) <= MAX_STORED_CATEGORIES else None,
        )
    return ColumnMetadata(**base, kind=kind)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _guess_kind(values: pd.Series, non_null: pd.Series) -> ColumnKind:
    if len(non_null) == 0 or non_null.nunique() == 1:
        return ColumnKind.CONSTANT
    if pd.api.types.is_bool_dtype(values):
        return ColumnKind.BOOLEAN
    if pd.api.types.is_datetime64_any_dtype(values):
        return ColumnKind.DATETIME
    if pd.api.types.is_numeric_dtype(values):
        numbers = non_null.to_numpy(dtype=float)
        return ColumnKind.INTEGER if np.all(np.mod(numbers, 1) == 0) else ColumnKind.FLOAT
    text = non_null.astype("string")
    distinct = text.nunique()
    if distinct == 2 and as_booleans(pd.Series(text.unique())).notna().all():
        return ColumnKind.BOOLEAN
    if _datetime_format(text) is not None:
        return ColumnKind.DATETIME
    if distinct == len(text) and len(text) >= 20 and text.str.fullmatch(_IDENTIFIER).all():
        return ColumnKind.IDENTIFIER
    mean_length = float(text.str.len().mean())
    if distinct > 0.5 * len(text) and (mean_length > 30 or text.str.contains(" ").mean() > 0.5):
        return ColumnKind.TEXT
    if distinct > 0.9 * len(text) and len(text) >= 20:
        return ColumnKind.TEXT
    return ColumnKind.CATEGORICAL
