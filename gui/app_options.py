"""The app's own command line (`python main.py [PROJECT] [--template] [--view] [--size]
[--screenshot]`): one parser for gui.app, which reads it, and gui.help, which shows it. The
command-line tools (summary, train, ...) are engine.cli's. Must not import any view.
"""
from __future__ import annotations

import argparse

from engine.cli import SUBCOMMANDS

from .views import view_keys


def make_parser(prog: str = "netwright") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description="Build, see and train neural networks.",
        epilog=f"Command line (no window): python main.py {{{','.join(SUBCOMMANDS)}}} --help")
    parser.add_argument("project", nargs="?", help="a .nwproj project to open")
    parser.add_argument("--template", help="open a template network (e.g. lenet5, resnet18)")
    parser.add_argument("--view", default=view_keys()[0], choices=view_keys(), help="view to show")
    parser.add_argument("--size", default="1400x900", type=_size, help="window size WxH (default 1400x900)")
    parser.add_argument("--screenshot", metavar="OUT.png", help="render the window to a PNG and exit")
    return parser


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1400x900 (got {text!r})") from None
    if w < 200 or h < 150:
        raise argparse.ArgumentTypeError("size must be at least 200x150")
    return w, h
