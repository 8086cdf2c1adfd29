from __future__ import annotations

import pytest

from synthfoundry.exports import neutralise_formula


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("x")'])
def test_formula_triggers_are_quoted(cell: str) -> None:
    assert neutralise_formula(cell) == f"'{cell}"


@pytest.mark.parametrize("cell", ["plain", "1.5", "", "a=b", '{"k": "=x"}'])
def test_other_cells_are_unchanged(cell: str) -> None:
    assert neutralise_formula(cell) == cell
