from __future__ import annotations

import pytest

from synthfoundry.cli.tables import Column, cell, fit, part, percent, print_details, print_table

ID = "01a20000-0000-7000-8000-000000000000"


def test_cells_are_short_lines_never_json() -> None:
    assert cell(None) == ""
    assert cell(True) == "yes"
    assert cell(0.876543) == "0.8765"
    assert cell("2024-05-01T12:34:56.789+00:00") == "2024-05-01 12:34"
    assert cell({"fidelity": 0.9, "columns": {"a": 1}}) == "fidelity=0.9, columns=…"
    assert cell(["datasets:write", "jobs:read"]) == "datasets:write, jobs:read"
    assert cell([{"a": 1}, {"a": 2}]) == "2 items"
    assert percent({"fraction": 0.456}) == "46%"
    assert part("fidelity")({"fidelity": 0.5, "utility": None}) == "0.5"


def test_fit_narrows_text_columns_then_leaves_out_the_last_ones() -> None:
    assert fit([36, 20, 10], None) == [36, 20, 10]
    assert fit([36, 20, 10], 100) == [36, 20, 10]
    assert fit([36, 20, 10], 70) == [30, 20, 10]  # the widest first: 30+3 + 20+3 + 10+3 + 1
    assert fit([36, 20, 10], 70, [True, False, False]) == [36, 14, 10]
    assert fit([36, 40, 30], 80, [True, False, False]) == [36, 17, 17]
    assert fit([36, 20, 10], 60, [True, False, False]) == [36, 17]
    assert fit([36, 20, 10], 10, [True, False, False]) == [36]  # the first column always stays


def test_a_table_fits_the_terminal_and_says_what_it_left_out(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    rows = [
        {
            "id": ID,
            "name": "a rather long generator name " * 4,
            "status": "ready",
            "training_report": {"fidelity": 0.91234, "column_shapes": {"age": 0.9}},
            "created_at": "2024-05-01T12:34:56Z",
        }
    ]
    columns = (
        "id",
        "name",
        "status",
        Column("training_report", "fidelity", part("fidelity")),
        "created_at",
    )

    print_table(rows, columns)

    printed = capsys.readouterr()
    lines = printed.out.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert ID in printed.out  # ids are never cut short
    assert "{" not in printed.out
    assert "left out to fit" in printed.err


def test_without_a_terminal_every_column_is_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    rows = [{"zeta": 1, "alpha": "x" * 50, "mid": None}]

    print_table(rows, ("zeta", "alpha", "mid"))

    header = capsys.readouterr().out.splitlines()[1]
    assert header.index("zeta") < header.index("alpha") < header.index("mid")


def test_details_spell_out_nested_values(capsys: pytest.CaptureFixture[str]) -> None:
    print_details(
        {"status": "ready", "id": ID, "summary": {"fidelity": 0.9, "privacy": {"dcr": 0.1}}},
        ("id",),
    )

    out = capsys.readouterr().out
    assert out.index(ID) < out.index("ready")
    assert "fidelity: 0.9" in out and "dcr: 0.1" in out and "{" not in out
