"""What every tabular synthesizer shares: validation, seeding, conditions, streaming, files."""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal, Self

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synthfoundry.errors import InvalidInput, InvalidState
from synthfoundry.progress import Progress, silent
from synthfoundry.synthesizers import artifacts
from synthfoundry.synthesizers.base import Capabilities, Modality, Stop, Synthesizer, never
from synthfoundry.synthesizers.training import training_record
from synthfoundry.tabular.metadata import ColumnKind, Metadata
from synthfoundry.tabular.requests import (
    MAX_SAMPLE_ROWS,
    Condition,
    TabularSampleRequest,
    check_condition_columns,
    check_conditions,
    conditions_from_json,
    matching,
)

CHUNK_ROWS = 100_000
REJECTION_ROUNDS = 50
# Rejection sampling gives up once the candidates drawn show the condition rarer than this (at
# least MIN_CANDIDATES drawn): a clear answer in seconds rather than minutes of sampling.
MIN_ACCEPTANCE = 1e-3
MIN_CANDIDATES = 100_000


def as_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    if hasattr(data, "to_pandas"):
        return data.to_pandas().reset_index(drop=True)
    raise InvalidInput("data must be a pandas DataFrame or a pyarrow Table", field="data")


class TabularSynthesizer(Synthesizer):
    SampleRequest = TabularSampleRequest
    capabilities: ClassVar[Capabilities] = Capabilities(modality=Modality.TABULAR)
    min_rows: ClassVar[int] = 10
    # True when ``_propose`` returns only rows that meet the conditions (no rejection needed).
    exact_conditions: ClassVar[bool] = False

    # -- what each model implements ------------------------------------------------------------
    @abstractmethod
    def _fit(self, data: pd.DataFrame, progress: Progress, stop: Stop) -> None: ...

    @abstractmethod
    def _sample(self, rows: int, rng: np.random.Generator) -> pd.DataFrame: ...

    def _sample_arrow(self, rows: int, rng: np.random.Generator) -> pa.Table:
        """``rows`` rows as Arrow, as ``sample_to`` writes them to Parquet; a model that can
        build the columns without pandas overrides this, with the same values and schema."""
        return pa.Table.from_pandas(self._sample(rows, rng), preserve_index=False)

    def _expect_rows(self, rows: int) -> None:
        """Told before ``rows`` rows are drawn in chunks, so that a model can prepare (once)
        what pays off only for many rows."""

    def _propose(
        self, rows: int, conditions: dict[str, Any], rng: np.random.Generator
    ) -> pd.DataFrame:
        """Candidate rows for ``conditions``; models that can steer generation towards them
        override this, and the rows are still checked."""
        return self._sample(rows, rng)

    @abstractmethod
    def _state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]: ...

    @abstractmethod
    def _restore(self, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None: ...

    # -- the shared contract --------------------------------------------------------------------
    def fit(
        self,
        data: Any,
        metadata: Metadata | None = None,
        *,
        progress: Progress = silent,
        stop: Stop = never,
        checkpoint_dir: str | Path | None = None,
        on_checkpoint: Callable[[], None] | None = None,
    ) -> Self:
        """Learn ``data`` (pandas or pyarrow); ``metadata`` overrides the detected column kinds.
        Models that train in epochs write resumable checkpoints under ``checkpoint_dir`` (and on a
        stop for "pause"), calling ``on_checkpoint`` after each; a later fit of the same table
        and parameters resumes from there."""
        self._checkpoint_dir = checkpoint_dir
        self._on_checkpoint = on_checkpoint
        frame = as_frame(data)
        metadata = metadata or Metadata.detect(frame)
        metadata.validate_table(frame, min_rows=self.min_rows)
        self.metadata_ = metadata
        self.dtypes_ = {name: str(frame[name].dtype) for name in metadata.names}
        self._fit_started = time.perf_counter()
        try:
            self._fit(frame[metadata.names], progress, stop)
        except BaseException:
            del self.metadata_, self.dtypes_  # a stopped or failed fit leaves no half-fitted model
            raise
        self.training_ = self._training_record(time.perf_counter() - self._fit_started)
        self.samples_drawn_ = 0
        return self

    def _training_record(self, seconds: float) -> dict[str, Any]:
        """What ``training_summary`` says of a fit that took ``seconds`` (models trained in
        epochs add their losses)."""
        return training_record(seconds)

    @property
    def fitted(self) -> bool:
        return hasattr(self, "metadata_")

    def _require_fitted(self) -> Metadata:
        if not self.fitted:
            raise InvalidState(f"{self.name} is not fitted; call fit(data) first")
        return self.metadata_

    def _rng(self, seed: int | None) -> np.random.Generator:
        if seed is not None:
            return np.random.default_rng(seed)
        # Without a seed, draws still reproduce from the model's seed and how often it sampled.
        self.samples_drawn_ += 1
        return np.random.default_rng([int(getattr(self.params, "seed", 0)), self.samples_drawn_])

    def sample(
        self,
        rows: int | TabularSampleRequest,
        /,
        conditions: Condition | list[Condition] | None = None,
        seed: int | None = None,
        *,
        progress: Progress = silent,
    ) -> pd.DataFrame:
        """``rows`` synthetic rows. ``conditions`` fixes values ({"sex": "Female"}) or ranges
        ({"age": (30, 40)}); a list of conditions, each with a "count", mixes groups. A
        ``TabularSampleRequest`` may stand for the three."""
        self._require_fitted()
        if isinstance(rows, TabularSampleRequest):
            request = rows
            rows, seed = request.rows, request.seed
            conditions = conditions_from_json(request.conditions)
        check_condition_columns(self.metadata_.names, conditions)
        if isinstance(conditions, list):
            parts = [
                self._sample_matching(
                    int(c.get("count", 0)),
                    {k: v for k, v in c.items() if k != "count"},
                    self._rng(None if seed is None else seed + i),
                    progress,
                )
                for i, c in enumerate(conditions)
            ]
            return pd.concat(parts, ignore_index=True)
        if not 0 < rows <= MAX_SAMPLE_ROWS:
            raise InvalidInput(f"rows must be between 1 and {MAX_SAMPLE_ROWS}", field="rows")
        rng = self._rng(seed)
        if conditions:
            return self._sample_matching(rows, dict(conditions), rng, progress)
        self._expect_rows(rows)
        chunks, made = [], 0
        while made < rows:
            size = min(CHUNK_ROWS, rows - made)
            chunks.append(self._sample(size, rng))
            made += size
            progress("sample", made, rows, "rows")
        return pd.concat(chunks, ignore_index=True)

    def sample_arrow(
        self, rows: int, seed: int | None = None, *, progress: Progress = silent
    ) -> pa.Table:
        """``rows`` unconditioned rows as an Arrow table: the rows and schema of
        ``pa.Table.from_pandas(self.sample(rows, seed=seed), preserve_index=False)``, built
        without pandas where the model can (the default model does)."""
        self._require_fitted()
        if not 0 < rows <= MAX_SAMPLE_ROWS:
            raise InvalidInput(f"rows must be between 1 and {MAX_SAMPLE_ROWS}", field="rows")
        rng = self._rng(seed)
        self._expect_rows(rows)
        chunks: list[pa.Table] = []
        made = 0
        while made < rows:
            size = min(CHUNK_ROWS, rows - made)
            chunk = self._sample_arrow(size, rng)
            chunks.append(chunk if not chunks else chunk.cast(chunks[0].schema))
            made += size
            progress("sample", made, rows, "rows")
        return pa.concat_tables(chunks)

    def rebalance(
        self,
        rows: int,
        column: str,
        shares: Mapping[Any, float],
        seed: int | None = None,
        progress: Progress = silent,
    ) -> pd.DataFrame:
        """``rows`` rows in which ``column`` takes its categories in the given ``shares``
        ({">50K": 0.5, "<=50K": 0.5}); shares are normalised to sum to one, and categories
        not named do not occur. The other columns follow each category's own distribution."""
        metadata = self._require_fitted()
        if not 0 < rows <= MAX_SAMPLE_ROWS:
            raise InvalidInput(f"rows must be between 1 and {MAX_SAMPLE_ROWS}", field="rows")
        kind = metadata.column(column).kind  # an unknown column is named, with a close one
        if kind not in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN):
            raise InvalidInput(
                f"rebalancing needs a categorical or boolean column; {column!r} is {kind}",
                field=column,
            )
        weights = {category: float(share) for category, share in shares.items()}
        total = sum(weights.values())
        if not weights or any(share < 0 for share in weights.values()) or total <= 0:
            raise InvalidInput("shares must be non-negative and not all zero", field=column)
        # Largest remainders: the counts add up to ``rows`` exactly.
        exact = {category: rows * share / total for category, share in weights.items()}
        counts = {category: int(value) for category, value in exact.items()}
        by_remainder = sorted(exact, key=lambda category: counts[category] - exact[category])
        for category in by_remainder[: rows - sum(counts.values())]:
            counts[category] += 1
        groups: list[Condition] = [
            {column: category, "count": count} for category, count in counts.items() if count
        ]
        mixed = self.sample(0, conditions=groups, seed=seed, progress=progress)
        order = np.random.default_rng(seed).permutation(len(mixed))
        return mixed.iloc[order].reset_index(drop=True)

    def sample_remaining_columns(
        self, known: pd.DataFrame, seed: int | None = None, progress: Progress = silent
    ) -> pd.DataFrame:
        """Complete partial rows: ``known`` holds some of the columns (each row may fix other
        values); the result has every column, the known values kept as given. Rows with the same
        known values are generated together; a known number conditions on the stretch of
        values around it (a twentieth of the column's range) and is then kept exactly."""
        metadata = self._require_fitted()
        known = as_frame(known)
        if unknown := [name for name in known.columns if name not in metadata.names]:
            raise InvalidInput(f"unknown column {unknown[0]!r}", field=str(unknown[0]))
        if known.empty:
            raise InvalidInput("no rows to complete", field="known")
        keys = pd.DataFrame(index=known.index)
        for name in known.columns:
            column = metadata.column(name)
            if column.kind.is_numeric and column.minimum is not None and column.maximum is not None:
                width = max((column.maximum - column.minimum) / 20, 1e-12)
                values = pd.to_numeric(known[name], errors="coerce")
                low = column.minimum + np.floor((values - column.minimum) / width) * width
                # A row without this value leaves it to the model, as an absent column does.
                keys[name] = [
                    (start, start + width) if pd.notna(start) else np.nan for start in low
                ]
            else:
                keys[name] = known[name]
        parts = []
        for number, (values, group) in enumerate(
            keys.groupby(list(keys.columns), sort=False, dropna=False)
        ):
            values = values if isinstance(values, tuple) else (values,)
            conditions = {
                name: value
                for name, value in zip(keys.columns, values, strict=True)
                if not (isinstance(value, float) and np.isnan(value))
            }
            group_seed = None if seed is None else seed + number
            made = self.sample(len(group), conditions=conditions or None, seed=group_seed)
            made.index = group.index
            parts.append(made)
            progress("sample", sum(len(part) for part in parts), len(known), "rows")
        completed = pd.concat(parts).loc[known.index]
        for name in known.columns:
            present = known[name].notna()
            if present.any():
                completed.loc[present, name] = known.loc[present, name]
        return completed.reset_index(drop=True)

    def _sample_matching(
        self, rows: int, conditions: dict[str, Any], rng: np.random.Generator, progress: Progress
    ) -> pd.DataFrame:
        if rows <= 0:
            raise InvalidInput("each condition needs a positive count", field="count")
        check_conditions(self.metadata_, conditions)
        found: list[pd.DataFrame] = []
        have = 0
        batch = rows if self.exact_conditions else min(max(1000, 4 * rows), CHUNK_ROWS)
        budget = max(MIN_CANDIDATES, int(rows / MIN_ACCEPTANCE))
        drawn = 0
        for _round in range(REJECTION_ROUNDS):
            candidates = self._propose(min(batch, budget - drawn), conditions, rng)
            drawn += len(candidates)
            met = candidates[matching(candidates, conditions)]
            found.append(met)
            have += len(met)
            progress("sample", min(have, rows), rows, "rows")
            if have >= rows:
                return pd.concat(found, ignore_index=True).head(rows)
            if drawn >= budget:
                break
            # The next batch is sized from the share that met the conditions so far.
            share = max(have, 1) / drawn
            batch = int(np.clip(1.2 * (rows - have) / share, 1000, CHUNK_ROWS))
        raise InvalidInput(
            f"only {have} of {rows} rows met {conditions} among {drawn:,} rows the model made; "
            "the condition is too rare for this model (ask for fewer rows, a wider range, or "
            "train longer)",
            field=next(iter(conditions)),
        )

    def sample_to(
        self,
        path: str | Path,
        rows: int,
        *,
        chunk_rows: int = CHUNK_ROWS,
        seed: int | None = None,
        file_format: Literal["csv", "parquet"] | None = None,
        progress: Progress = silent,
    ) -> Path:
        """Stream ``rows`` rows to a CSV or Parquet file in chunks, with flat memory."""
        self._require_fitted()
        target = Path(path)
        kind = file_format or ("parquet" if target.suffix.lower() in (".parquet", ".pq") else "csv")
        rng = self._rng(seed)
        writer: pq.ParquetWriter | None = None
        made = 0
        partial = target.with_name(target.name + ".partial")
        self._expect_rows(rows)
        try:
            while made < rows:
                size = min(chunk_rows, rows - made)
                if kind == "parquet":
                    table = self._sample_arrow(size, rng)
                    writer = writer or pq.ParquetWriter(partial, table.schema)
                    if not table.schema.equals(writer.schema, check_metadata=True):
                        table = table.cast(writer.schema)
                    writer.write_table(table)
                else:
                    chunk = self._sample(size, rng)
                    chunk.to_csv(partial, mode="a" if made else "w", header=made == 0, index=False)
                made += size
                progress("sample", made, rows, "rows")
            if writer is not None:
                writer.close()
                writer = None
            partial.replace(target)
        finally:
            if writer is not None:
                writer.close()
            partial.unlink(missing_ok=True)
        return target

    def save(self, directory: str | Path) -> None:
        metadata = self._require_fitted()
        state, arrays = self._state()
        content = {
            "params": self.params.model_dump(mode="json"),
            "metadata": metadata.model_dump(mode="json"),
            "dtypes": self.dtypes_,
            "samples_drawn": self.samples_drawn_,
            "training": self.training_summary(),
            "state": state,
        }
        artifacts.write(directory, self.name, content, arrays)

    @classmethod
    def load(cls, directory: str | Path) -> Self:
        content, arrays = artifacts.read(directory)
        synthesizer = cls(cls.stored_params(content["params"]))
        synthesizer.metadata_ = Metadata.model_validate(content["metadata"])
        synthesizer.dtypes_ = dict(content["dtypes"])
        synthesizer.samples_drawn_ = int(content["samples_drawn"])
        synthesizer.training_ = dict(content.get("training") or {})  # absent in older files
        synthesizer._restore(content["state"], arrays)
        return synthesizer
