from __future__ import annotations

from typing import TYPE_CHECKING

import typer
from rich.console import Console

if TYPE_CHECKING:
    from synthfoundry.config import Settings

stderr = Console(stderr=True)
stdout = Console()


def fail(message: str, code: int = 1) -> typer.Exit:
    stderr.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code)


def load_settings() -> Settings:
    """Settings from the environment, or a readable exit when they are invalid."""
    from pydantic import ValidationError

    from synthfoundry.config import Settings

    try:
        return Settings()
    except ValidationError as exc:
        for error in exc.errors():
            location = ".".join(str(part) for part in error["loc"]) or "settings"
            stderr.print(f"[bold red]invalid setting[/] {location}: {error['msg']}", soft_wrap=True)
        raise typer.Exit(2) from None
