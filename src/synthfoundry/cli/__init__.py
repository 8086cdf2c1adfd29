"""The ``synthfoundry`` command line (typer + rich)."""
