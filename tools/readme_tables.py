"""Write (or check) the README's tables that the engine describes as data: the training
settings (`TrainConfig`'s `Setting`s) and the dataset options (`DatasetOption`s).

    python tools/readme_tables.py          # rewrite the tables in README.md
    python tools/readme_tables.py --check  # exit 1 when README.md disagrees with the engine

Each table sits between `<!-- begin NAME -->` and `<!-- end NAME -->` lines;
tests/engine/test_settings_data.py fails when they disagree. Never imports Qt.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.data import DATASET_NAMES, dataset_info  # noqa: E402
from engine.training import SETTINGS  # noqa: E402
from engine.training.settings import markdown_table  # noqa: E402


def dataset_options_table() -> str:
    """One row per option; datasets whose option is the same share the row."""
    rows: dict[tuple[str, ...], list[str]] = {}
    for name in DATASET_NAMES:
        for option in dataset_info(name).option_specs:
            low, high = option.minimum, option.maximum
            allowed = " to ".join(f"{v:g}" for v in (low, high)) if low is not None and high is not None else \
                (f"≥ {low:g}" if low is not None else "")
            default = "—" if option.default is None else f"`{json.dumps(option.default)}`"
            rows.setdefault((option.name, default, allowed, option.help), []).append(f"`{name}`")
    lines = ["| dataset | option | default | allowed | what it does |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {', '.join(names)} | `{key[0]}` | {' | '.join(key[1:])} |" for key, names in rows.items()]
    return "\n".join(lines)


TABLES = {"training-settings": lambda: markdown_table(SETTINGS), "dataset-options": dataset_options_table}


def rewrite(text: str) -> str:
    """`text` with every generated table replaced by the engine's current one."""
    for name, make in TABLES.items():
        pattern = re.compile(rf"(<!-- begin {name} -->\n)(?:.*?\n)?(<!-- end {name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- begin {name} --> ... <!-- end {name} --> block")
        table = make()
        text = pattern.sub(lambda m, table=table: f"{m.group(1)}{table}\n{m.group(2)}", text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when README.md is out of date")
    args = parser.parse_args(argv)
    path = ROOT / "README.md"
    text = path.read_text(encoding="utf-8")
    new = rewrite(text)
    if args.check:
        if new != text:
            print("README.md's generated tables are out of date: run python tools/readme_tables.py")
        return int(new != text)
    if new != text:
        tmp = path.with_suffix(".md.tmp")
        tmp.write_text(new, encoding="utf-8")
        tmp.replace(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
