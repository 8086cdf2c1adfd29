from __future__ import annotations

import pytest

from synthfoundry.errors import InvalidState
from synthfoundry.jobs.states import ALLOWED, TERMINAL, Action, Status, status_after, transition

S, A = Status, Action
# The specification, written out independently of jobs/states.py: every (status, action) pair
# either leads to this status or is refused (None -> 409).
EXPECTED: dict[tuple[Status, Action], Status | None] = {
    (S.QUEUED, A.CANCEL): S.CANCELLED,
    (S.QUEUED, A.PAUSE): S.PAUSED,
    (S.QUEUED, A.RESUME): None,
    (S.RUNNING, A.CANCEL): S.CANCELLING,
    (S.RUNNING, A.PAUSE): S.PAUSING,
    (S.RUNNING, A.RESUME): None,
    (S.PAUSING, A.CANCEL): S.CANCELLING,
    (S.PAUSING, A.PAUSE): S.PAUSING,
    (S.PAUSING, A.RESUME): S.RUNNING,
    (S.PAUSED, A.CANCEL): S.CANCELLED,
    (S.PAUSED, A.PAUSE): S.PAUSED,
    (S.PAUSED, A.RESUME): S.QUEUED,
    (S.CANCELLING, A.CANCEL): S.CANCELLING,
    (S.CANCELLING, A.PAUSE): None,
    (S.CANCELLING, A.RESUME): None,
    (S.SUCCEEDED, A.CANCEL): None,
    (S.SUCCEEDED, A.PAUSE): None,
    (S.SUCCEEDED, A.RESUME): None,
    (S.FAILED, A.CANCEL): None,
    (S.FAILED, A.PAUSE): None,
    (S.FAILED, A.RESUME): None,
    (S.CANCELLED, A.CANCEL): None,
    (S.CANCELLED, A.PAUSE): None,
    (S.CANCELLED, A.RESUME): None,
}


def test_the_specification_covers_every_pair() -> None:
    assert set(EXPECTED) == {(status, action) for status in Status for action in Action}


@pytest.mark.parametrize(("status", "action"), list(EXPECTED))
def test_every_status_and_action(status: Status, action: Action) -> None:
    expected = EXPECTED[(status, action)]
    if expected is None:
        with pytest.raises(InvalidState):
            status_after(status, action)
    else:
        assert status_after(status, action) == expected


@pytest.mark.parametrize("status", sorted(TERMINAL))
def test_terminal_statuses_never_change(status: Status) -> None:
    class Row:
        id = "job-1"

        def __init__(self) -> None:
            self.status = str(status)

    assert ALLOWED[status] == frozenset()
    for target in Status:
        if target != status:
            with pytest.raises(InvalidState):
                transition(Row(), target)
