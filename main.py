"""Netwright entry point: opens the app, or runs a command-line subcommand.

No logic lives here. Subcommands run through engine.cli without importing Qt;
anything else (including --screenshot) starts the GUI.
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from engine.cli import SUBCOMMANDS, run_cli, unknown_command

    if argv and argv[0] in SUBCOMMANDS:
        return run_cli(argv)
    if argv and unknown_command(argv[0]):
        return run_cli(argv)  # says which commands there are, exit 2, instead of opening a window
    from gui.app import run_app

    return run_app(argv)


if __name__ == "__main__":
    sys.exit(main())
