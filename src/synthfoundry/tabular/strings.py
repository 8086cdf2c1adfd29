"""New values for columns of near-unique short strings (names, cities, titles, codes).

Drawing such values from the training rows would copy them, so a character model is learnt
instead: the next character given the three before it (order 3; the orders below it for values
that came out as a copy). A generated value equal to a training value that occurs once is drawn
again: a value the data repeats, as a category would, may come back. The model file keeps the
transition counts and short digests of the once-only values, never the values themselves.

Generation is vectorised over rows: contexts are numbered, the continuation probabilities of all
contexts are laid end to end as ``context + cumulative share`` (one increasing array), and one
``searchsorted`` per character position draws the next character of every row at once.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

ORDER = 3
MAX_FIT_VALUES = 20_000
ROUNDS_PER_ORDER = 4
DIGEST_BYTES = 8
START = "\x02"
END = ""  # the end of a value: symbol 0


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode(), digest_size=DIGEST_BYTES).hexdigest()


@dataclass
class _Table:
    """The transitions of one order, in the flat form generation needs."""

    cumulative: np.ndarray  # context id + cumulative share, increasing
    symbols: np.ndarray  # the alphabet index drawn at each position (0 = end)
    next_context: np.ndarray  # the context after that symbol (-1 after the end)
    start: int

    @classmethod
    def build(
        cls, order: int, counts: dict[str, dict[str, int]], alphabet: dict[str, int]
    ) -> _Table:
        contexts = sorted(counts)
        number = {context: index for index, context in enumerate(contexts)}
        cumulative, symbols, following = [], [], []
        for index, context in enumerate(contexts):
            continuations = sorted(counts[context].items())
            total = sum(count for _, count in continuations)
            running = 0
            for symbol, count in continuations:
                running += count
                cumulative.append(index + running / total)
                symbols.append(alphabet[symbol])
                following.append(-1 if symbol == END else number[(context + symbol)[-order:]])
            cumulative[-1] = index + 1.0  # exact, whatever the rounding of the shares
        return cls(
            np.asarray(cumulative),
            np.asarray(symbols, dtype=np.int64),
            np.asarray(following, dtype=np.int64),
            number[START * order],
        )


class CharacterModel:
    def __init__(
        self,
        counts: list[dict[str, dict[str, int]]],
        once: frozenset[str],
        max_length: int,
    ) -> None:
        self.counts, self.once, self.max_length = counts, once, max_length
        symbols = {symbol for table in counts for row in table.values() for symbol in row}
        self.alphabet = [END, *sorted(symbols - {END})]
        index = {symbol: position for position, symbol in enumerate(self.alphabet)}
        self.tables = [
            _Table.build(order, table, index) for order, table in enumerate(counts, start=1)
        ]

    @classmethod
    def fit(cls, values: pd.Series, rng: np.random.Generator) -> CharacterModel:
        texts = values.dropna().astype(str)
        frequencies = texts.value_counts()
        distinct = [str(value) for value in frequencies.index]
        if len(distinct) > MAX_FIT_VALUES:
            distinct = [distinct[i] for i in rng.choice(len(distinct), MAX_FIT_VALUES, False)]
        counts: list[dict[str, dict[str, int]]] = []
        for order in range(1, ORDER + 1):
            table: defaultdict[str, Counter[str]] = defaultdict(Counter)
            for text in distinct or ["?"]:
                padded = START * order + text
                for position in range(order, len(padded)):
                    table[padded[position - order : position]][padded[position]] += 1
                table[padded[-order:]][END] += 1
            counts.append({context: dict(row) for context, row in table.items()})
        once = frozenset(_digest(str(value)) for value in frequencies[frequencies == 1].index)
        longest = max([1, *(len(text) for text in distinct)])
        return cls(counts, once, longest)

    def generate(self, rows: int, rng: np.random.Generator) -> list[str]:
        values = np.empty(rows, dtype=object)
        pending = np.arange(rows)
        for table in reversed(self.tables):  # order 3 first, lower orders for stubborn copies
            for _ in range(ROUNDS_PER_ORDER):
                if not len(pending):
                    return [str(value) for value in values]
                values[pending] = self._draw(table, len(pending), rng)
                pending = pending[self._copies(values[pending])]
        for row in pending if len(self.alphabet) > 1 else ():  # still a copy: change a character
            text = str(values[row]) or "?"
            position = int(rng.integers(0, len(text)))
            replacement = self.alphabet[1 + int(rng.integers(0, len(self.alphabet) - 1))]
            values[row] = text[:position] + replacement + text[position + 1 :]
        return [str(value) for value in values]

    def _copies(self, values: np.ndarray) -> np.ndarray:
        return np.array([_digest(str(value)) in self.once for value in values], dtype=bool)

    def _draw(self, table: _Table, rows: int, rng: np.random.Generator) -> np.ndarray:
        drawn = np.zeros((rows, self.max_length), dtype=np.int64)
        context = np.full(rows, table.start, dtype=np.int64)
        alive = np.arange(rows)
        for position in range(self.max_length):
            at = np.searchsorted(table.cumulative, context[alive] + rng.random(len(alive)), "right")
            at = np.minimum(at, len(table.symbols) - 1)
            symbols = table.symbols[at]
            going = symbols != 0
            drawn[alive[going], position] = symbols[going]
            context[alive[going]] = table.next_context[at[going]]
            alive = alive[going]
            if not len(alive):
                break
        letters = np.asarray(self.alphabet, dtype="<U1")[drawn]  # the end and padding: ""
        width = max(self.max_length, 1)
        joined: np.ndarray = np.ascontiguousarray(letters).view(f"<U{width}").ravel()
        return joined.astype(object)

    def state(self) -> dict[str, Any]:
        return {"counts": self.counts, "once": sorted(self.once), "max_length": self.max_length}

    @classmethod
    def restore(cls, state: dict[str, Any]) -> CharacterModel:
        return cls(list(state["counts"]), frozenset(state["once"]), int(state["max_length"]))
