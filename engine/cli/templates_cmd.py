"""`templates`: list the course's networks. Never imports Qt."""
from __future__ import annotations

import argparse

from .. import templates
from . import echo


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("templates", help="list the templates with a one-line description each")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    width = max(len(n) for n in templates.names())
    for name in templates.names():
        t = templates.get(name)
        echo(f"{name.ljust(width)}  {t.summary}")
    return 0
