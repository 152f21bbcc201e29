"""Command-line subcommands (`python main.py SUBCOMMAND ...`). Never imports Qt.

Exit status: 0 success, 1 the work failed (invalid network, training failed), 2 bad usage
or an unreadable file, always with a one-line message and no traceback. Every line goes out
through `echo`: text that came from a file (run, class, dataset and file names, messages
quoting them) is shown on a terminal, never obeyed (engine.formatting.inert).
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable, TextIO

from ..formatting import inert

SUBCOMMANDS = ("summary", "lint", "export", "templates", "train", "lr-find", "runs", "predict", "import")


class UsageError(Exception):
    """Bad arguments or an unreadable input file: exit status 2."""


def echo(text: object = "", file: TextIO | None = None, lines: bool = False) -> None:
    """Print one message (control characters and newlines escaped) or, with `lines`, a report
    the CLI laid out itself, whose line breaks stay (anything else that steers a terminal is
    escaped). print()'s `file` keyword: `echo(msg, file=sys.stderr)`."""
    print(inert(text, lines=lines), file=sys.stdout if file is None else file)


def _parser() -> argparse.ArgumentParser:
    from . import (
        export_cmd,
        import_cmd,
        lint_cmd,
        lr_find_cmd,
        predict_cmd,
        runs_cmd,
        summary,
        templates_cmd,
        train_cmd,
    )

    parser = argparse.ArgumentParser(prog="python main.py", description="Netwright command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (summary, lint_cmd, export_cmd, templates_cmd, train_cmd, lr_find_cmd, runs_cmd, predict_cmd,
                   import_cmd):
        module.add_parser(sub)
    return parser


def subcommand_help() -> dict[str, str]:
    """Each subcommand's one-line help, in order (the app's Help ▸ Command line shows them)."""
    sub = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {action.dest: action.help or "" for action in sub._choices_actions}


def run_cli(argv: list[str]) -> int:
    """Run one subcommand and return its exit status; safe to call in-process, repeatedly.

    Output goes through print() to whatever sys.stdout/sys.stderr are at call time.
    """
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help (0) and on bad usage (2): return it instead
        return exc.code if isinstance(exc.code, int) else 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except UsageError as exc:
        echo(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
