"""Command-line subcommands (`python main.py SUBCOMMAND ...`). Never imports Qt.

Exit status: 0 success, 1 the work failed (invalid network, training failed), 2 bad usage
or an unreadable file, always with a one-line message and no traceback. Every line goes out
through `echo`: text that came from a file (run, class, dataset and file names, messages
quoting them) is shown on a terminal, never obeyed (engine.formatting.inert).
"""
from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from pathlib import Path
from typing import Callable, TextIO

from ..formatting import inert

COMMAND_SUFFIX = "_cmd"


def _commands() -> dict[str, str]:
    """Subcommand name -> module: every `engine/cli/<name>_cmd.py` (`lr_find_cmd` is `lr-find`).

    Naming the file is the one registration: main.py's dispatch, the parser, --help and the
    app's Help read this. Only file names are listed here; a module is imported when its
    command runs or the parser is built, so `main.py` starts the app without loading them."""
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if m.name.endswith(COMMAND_SUFFIX))
    return {name[: -len(COMMAND_SUFFIX)].replace("_", "-"): f"{__name__}.{name}" for name in names}


COMMANDS: dict[str, str] = _commands()
SUBCOMMANDS: tuple[str, ...] = tuple(COMMANDS)


def unknown_command(word: str) -> bool:
    """`word` reads as a mistyped subcommand (`trian`), not a project to open: a plain word
    that names no file."""
    plain = word.replace("-", "").replace("_", "").isalnum() and not word.startswith("-")
    return plain and word not in SUBCOMMANDS and not Path(word).exists()


class UsageError(Exception):
    """Bad arguments or an unreadable input file: exit status 2."""


def echo(text: object = "", file: TextIO | None = None, lines: bool = False) -> None:
    """Print one message (control characters and newlines escaped) or, with `lines`, a report
    the CLI laid out itself, whose line breaks stay (anything else that steers a terminal is
    escaped). print()'s `file` keyword: `echo(msg, file=sys.stderr)`."""
    print(inert(text, lines=lines), file=sys.stdout if file is None else file)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python main.py", description="Netwright command line.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        importlib.import_module(module).add_parser(sub)
        if name not in sub.choices:
            raise RuntimeError(f"{module}.add_parser must add the subcommand {name!r} (its file name)")
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
