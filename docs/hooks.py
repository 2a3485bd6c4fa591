"""MkDocs hook: fill the reference pages from the code at build time, so they cannot drift.

A page marks where a generated table goes with an HTML comment on a line of its own:

* ``<!-- generated: fields -->``: every scenario field (``povsim.reference.fields_markdown``);
* ``<!-- generated: programs -->``: every program field, by kind (``programs_markdown``);
* ``<!-- generated: columns -->``: the columns of ``indicators.parquet`` (``columns_markdown``);
* ``<!-- generated: outcomes -->``: every outcome (``outcomes_markdown``);
* ``<!-- generated: village-columns -->``: ``villages.parquet`` and ``households.parquet``
  (``VillageState.COLUMNS`` and ``PANEL_COLUMNS`` with ``HouseholdState.COLUMNS``);
* ``<!-- generated: commands -->``: every ``povsim`` command with its arguments and options.

An unknown marker fails the build.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Document the source tree beside this file, not whatever povsim happens to be installed.
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", flags=re.M)


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _option_rows(params: list[Any]) -> tuple[list[str], list[str]]:
    """A command's arguments for its usage line, and a table row for each argument and
    option but ``--help``."""
    arguments, rows = [], []
    for param in params:
        if param.param_type_name == "argument":
            many = "..." if param.nargs == -1 else ""
            shown = f"{param.name.upper()}{many}"
            arguments.append(shown if param.required else f"[{shown}]")
        if param.name == "help":
            continue
        flags = " / ".join([*param.opts, *getattr(param, "secondary_opts", [])])
        if param.param_type_name == "argument":
            flags = param.name.upper()
        default = param.default
        if isinstance(default, bool):
            default = str(default).lower()
        shown_default = "" if default in (None, []) or param.required else f"`{default}`"
        help_text = getattr(param, "help", None) or ""
        required = " (required)" if param.required else ""
        rows.append(f"| `{flags}` | {shown_default} | {_cell(help_text)}{required} |")
    return arguments, rows


def commands_markdown() -> str:
    """Every ``povsim`` command: what it does, its usage, its arguments and options; first
    the options given before the command (``povsim --version``)."""
    import typer.main

    from povsim.cli import app

    group: Any = typer.main.get_command(app)
    header = "| argument or option | default | meaning |\n|---|---|---|"
    _, general = _option_rows(group.params)
    parts: list[str] = [
        "### Before the command",
        "",
        "```\npovsim [OPTIONS] COMMAND ...\n```",
        "",
        header,
        *general,
        "",
    ]
    for name, command in group.commands.items():
        arguments, options = _option_rows(command.params)
        usage = " ".join(["povsim", name, *arguments, "[OPTIONS]"])
        parts += [
            f"### `povsim {name}`",
            "",
            _cell((command.help or "").strip().splitlines()[0]),
            "",
            f"```\n{usage}\n```",
            "",
            header,
            *options,
            "",
        ]
    return "\n".join(parts).rstrip()


def _generators() -> dict[str, Callable[[], str]]:
    from povsim import reference

    return {
        "fields": reference.fields_markdown,
        "programs": reference.programs_markdown,
        "columns": reference.columns_markdown,
        "outcomes": reference.outcomes_markdown,
        "village-columns": reference.village_columns_markdown,
        "commands": commands_markdown,
    }


def generate(markdown: str, where: str = "page") -> str:
    """``markdown`` with every generation marker replaced by its table."""
    if not MARKER.search(markdown):
        return markdown
    generators = _generators()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in generators:
            raise ValueError(f"{where}: unknown generation marker {name!r}")
        return generators[name]()

    return MARKER.sub(fill, markdown)


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    return generate(markdown, page.file.src_uri)


SPHINX_ROLE = re.compile(r":(?:mod|class|func|meth|attr|data|exc|obj):(<code>[^<]*</code>)")
"""A Sphinx role as mkdocstrings renders it, left as text: ``:class:`Scenario` `` becomes
":class:<code>Scenario</code>"."""


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    # The docstrings name objects with Sphinx roles, which read well in help() and an IDE;
    # on the site the role itself is noise.
    return SPHINX_ROLE.sub(r"\1", html)
