"""What a training setting is, as data: `Setting` (title, help, kind, range, choices) and
`setting()`, which declares one `TrainConfig` field with its `Setting` in one line.

The Train view's form, the `train` command's options and help, the README's settings table
and `TrainConfig`'s own range checks are all read from these records (the way the
inspector is read from the catalog's `ParamSpec`s). Must not import Qt, pyqtgraph or torch.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any

KINDS = ("choice", "int", "float", "bool", "text")


@dataclass(frozen=True)
class Setting:
    """One training setting. `minimum`/`maximum` bound it (`above`/`below`: strictly);
    `form_max` is the upper end a form offers where the engine sets none; `when` names the
    (setting, values) under which it applies; `beside` puts its editor in another's row."""

    title: str  # in words, lower case: tables that compare runs, messages
    help: str  # one or two sentences: tooltips, --help, the README
    kind: str = ""  # one of KINDS; "" takes the default's type
    default: Any = None  # filled in by `setting()`
    name: str = ""  # the field name, filled in by `settings_of()`
    minimum: float | None = None
    maximum: float | None = None
    above: bool = False  # minimum is excluded (lr > 0)
    below: bool = False  # maximum is excluded (momentum < 1)
    hint: str = ""  # a value to suggest after a range error ("try 0.003")
    choices: tuple[tuple[Any, str], ...] = ()  # (value, title shown in a form)
    label: str = ""  # the form's text when it differs from the title
    percent: bool = False  # a fraction shown as whole percents
    form_max: float | None = None
    when: tuple[str, tuple[Any, ...]] | None = None
    beside: str = ""
    form: bool = True  # an editor in the Train view's settings form
    cli: bool = False  # a `train --name` option

    @property
    def values(self) -> tuple[Any, ...]:
        return tuple(value for value, _ in self.choices)

    @property
    def option(self) -> str:
        """The command-line option: `batch_size` -> `--batch-size`."""
        return "--" + self.name.replace("_", "-")

    @property
    def form_label(self) -> str:
        return self.label or self.title[:1].upper() + self.title[1:]

    def choice_title(self, value: Any) -> str:
        return dict(self.choices).get(value, str(value))

    def range_text(self) -> str:
        """The allowed values in words: 'one of sgd, adam', '> 0', '0 to 0.9', ''."""
        if self.choices:
            return "one of " + ", ".join(map(str, self.values))
        low = None if self.minimum is None else f"{'>' if self.above else '≥'} {_num(self.minimum)}"
        high = None if self.maximum is None else f"{'<' if self.below else '≤'} {_num(self.maximum)}"
        if low and high and not (self.above or self.below):
            return f"{_num(self.minimum)} to {_num(self.maximum)}"
        return ", ".join(part for part in (low, high) if part)

    def problem(self, value: Any) -> str | None:
        """Why `value` is out of this setting's range, as a sentence; None when it is fine."""
        if self.choices:
            if value in self.values:
                return None
            return f"{self.name} must be one of {', '.join(map(str, self.values))}, not '{value}'"
        if self.kind not in ("int", "float") or _in_range(self, value):
            return None
        hint = f"; try {self.hint}" if self.hint else ""
        return f"{self.title} must be {self._bounds_words()}, not {value}{hint}"

    def _bounds_words(self) -> str:
        low, high = self.minimum, self.maximum
        if self.above and low == 0 and high is None:
            return "a positive number"
        if low is not None and high is not None:
            upper = f"below {_num(high)}" if self.below else f"{_num(high)}"
            return f"at least {_num(low)} and {upper}" if self.below else f"between {_num(low)} and {upper}"
        return f"at least {_num(low)}" if low is not None else f"at most {_num(high)}"


def _in_range(spec: Setting, value: Any) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    if number != number or number in (float("inf"), float("-inf")):
        return False
    low, high = spec.minimum, spec.maximum
    if low is not None and (number <= low if spec.above else number < low):
        return False
    return high is None or (number < high if spec.below else number <= high)


def _num(value: float | None) -> str:
    return "" if value is None else (str(int(value)) if float(value).is_integer() else f"{value:g}")


_KIND_OF = {bool: "bool", int: "int", float: "float", str: "text"}


def setting(default: Any, title: str, help: str, **facts: Any) -> Any:
    """A dataclass field holding `default`, described by a `Setting` (see its fields)."""
    kind = facts.pop("kind", "") or ("choice" if facts.get("choices") else _KIND_OF[type(default)])
    spec = Setting(title, help, kind=kind, default=default, **facts)
    return dataclasses.field(default=default, metadata={"setting": spec})


def settings_of(config_class: type) -> dict[str, Setting]:
    """Every field's `Setting`, by field name, in declaration order."""
    return {f.name: dataclasses.replace(f.metadata["setting"], name=f.name)
            for f in dataclasses.fields(config_class) if "setting" in f.metadata}


def markdown_table(specs: dict[str, Setting]) -> str:
    """The README's table of training settings (scripts/readme_tables.py writes it there)."""
    lines = ["| setting (project file key) | `train` option | default | allowed | what it does |",
             "| --- | --- | --- | --- | --- |"]
    for spec in specs.values():
        option = f"`{spec.option}`" if spec.cli else "—"
        allowed = spec.range_text() or ("true or false" if spec.kind == "bool" else "")
        default = f"`{json.dumps(spec.default)}`"
        words = spec.help.replace("|", "\\|")
        lines.append(f"| `{spec.name}` ({spec.title}) | {option} | {default} | {allowed} | {words} |")
    return "\n".join(lines)
