"""Pinned mixes kept in the browser, so a reload does not lose them.

Each pinned mix is kept as the standalone scenario file its export writes, with its
replications and the shipped scenario it was made from; read back, it is untrusted input
like any upload (:func:`povsim.dashboard.upload.load_upload`): the storage is the browser's,
and a file written by an older povsim may no longer load, or may load with settings the
shipped scenario no longer has (every setting is written out, so a changed default or a
revised scenario does not reach it).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import solara

from povsim.config import ScenarioError, read_merged
from povsim.config.paths import leaves
from povsim.dashboard.policy import Policy, scenario_files
from povsim.dashboard.upload import MAX_UPLOAD_BYTES, load_upload

__all__ = ["OLD_SETTINGS", "PinStore", "pins_json", "restore_pins"]

OLD_SETTINGS = " (old settings)"
"""Added to the name of a restored pin whose shipped scenario has changed since it was pinned."""

MOST_DIFFERENCES = 3
"""Settings a stale pin's message lists; the rest are counted."""


def pins_json(pinned: list[Policy]) -> str:
    """What the browser keeps of ``pinned`` (a mix that no longer validates is left out)."""
    entries = []
    for mix in pinned:
        try:
            toml = mix.to_toml()
        except ScenarioError:
            continue
        entries.append(
            {
                "label": mix.label,
                "replications": mix.replications,
                "source": mix.source,  # what it claims to be, checked when it comes back
                "toml": toml,
            }
        )
    return json.dumps(entries, ensure_ascii=False)


def restore_pins(text: str, shipped: Path, most: int) -> tuple[list[Policy], list[str]]:
    """The mixes kept in ``text`` (at most ``most``), and a message for each that could not
    be restored or comes back marked.

    A pin made from a shipped scenario that differs now from that file read again with the
    pin's levers (written by an older povsim, or the file revised) comes back as pinned,
    named ``NAME (old settings)`` (:data:`OLD_SETTINGS`), with a message naming what differs:
    left out, the mix the planner set up would be lost; kept as it was, unmarked, a
    comparison with it read as one with today's scenario. A marked pin the file matches
    again (the change undone) loses the mark, with a message saying so.

    Args:
        text: what the browser kept (:func:`pins_json`), untrusted.
        shipped: the directory of shipped scenarios.
        most: how many pins to restore at most.

    Returns:
        The restored mixes, and the messages for the planner.
    """
    if len(text) > most * MAX_UPLOAD_BYTES:
        return [], [f"the pinned mixes kept in this browser are over {most} files' size"]
    try:
        entries = json.loads(text)
    except json.JSONDecodeError:
        return [], ["the pinned mixes kept in this browser could not be read"]
    if not isinstance(entries, list):
        return [], ["the pinned mixes kept in this browser could not be read"]
    restored: list[Policy] = []
    problems: list[str] = []
    files = scenario_files(shipped)
    for entry in entries[:most]:
        if not isinstance(entry, dict) or not isinstance(entry.get("toml"), str):
            problems.append("a pinned mix kept in this browser could not be read")
            continue
        label = str(entry.get("label") or "pinned")
        try:
            policy = load_upload(f"{label}.toml", entry["toml"].encode("utf-8"), shipped)
        except ScenarioError as err:
            problems.append(f"pinned mix {label!r} could not be restored: {err}")
            continue
        except Exception as err:  # untrusted input must never take the page down
            problems.append(f"pinned mix {label!r} could not be restored ({type(err).__name__})")
            continue
        replications = entry.get("replications")
        if isinstance(replications, int) and 2 <= replications <= 50:
            policy = policy.with_(replications=replications)
        policy = policy.with_(label=label, source=f"pinned: {label}")
        claimed = _claimed(entry, label, files)
        if claimed is not None:
            # Kept under its shipped name, so the next save records it and the next restore
            # checks it again (it was "pinned: NAME", and the check had nothing to go by).
            policy = policy.with_(source=claimed)
            if changed := _changed(policy, files[claimed]):
                marked = label if label.endswith(OLD_SETTINGS) else f"{label}{OLD_SETTINGS}"
                policy = policy.with_(label=marked)
                kept = f"kept as {marked!r}" if marked != label else "kept"
                problems.append(
                    f"pinned mix {label!r} was pinned under an older povsim (or {claimed} has "
                    f"changed since): {changed}; {kept} (choose {claimed} and pin it again for "
                    "today's)"
                )
            elif label.endswith(OLD_SETTINGS) and label != OLD_SETTINGS:
                # The shipped file holds the pin's settings again (a change undone): the mark
                # would say otherwise for good.
                unmarked = label.removesuffix(OLD_SETTINGS)
                policy = policy.with_(label=unmarked)
                problems.append(
                    f"pinned mix {label!r} has {claimed}'s settings again: kept as {unmarked!r}"
                )
        restored.append(policy)
    return restored, problems


_HEADER = re.compile(r"^# Exported from the povsim dashboard: (?P<source>.+) with budget shares$")
"""The first line of an export (:meth:`Policy.to_toml`), which names what it was made from."""

_PAGE_SUFFIXES = re.compile(r"^(?P<name>.+?)(?:-edited)?(?:-\d+)?$")
"""The page's pin names: a shipped scenario's name, "-edited" when its levers moved, "-2" for a
second pin of one name."""


def _claimed(entry: dict[str, Any], label: str, files: dict[str, Path]) -> str | None:
    """The shipped scenario (its name in ``files``) a kept pin was made from, if any.

    Pins record it (``source``); one kept before they did names it in its header, or, saved
    again after a reload (its header then said "pinned: NAME"), by its name, which the page
    takes from the shipped scenario. A header that names anything else (``upload: u.toml``,
    ``NAME, member 07``) claims nothing: an upload that extends baseline.toml is named
    "baseline" too, and was taken for it. Only a name ``files`` offers is taken: the entry is
    the browser's to edit, and never makes a path.
    """
    source = entry.get("source")
    if "source" in entry:
        return source if isinstance(source, str) and source in files else None
    header = _HEADER.match(entry["toml"].partition("\n")[0])
    if header is None:
        return None
    if header["source"] in files:
        return header["source"]
    if not header["source"].startswith("pinned: "):
        return None
    names: dict[str, str] = {}
    for name, path in files.items():
        try:
            names.setdefault(str(read_merged(path).get("name")), name)
        except ScenarioError:
            continue
    stem = _PAGE_SUFFIXES.match(label)
    return names.get(label) or (names.get(stem["name"]) if stem else None)


def _changed(pinned: Policy, path: Path) -> str:
    """What differs between a restored pin and the shipped scenario it was made from, read
    now with the pin's own levers (shares, budget, exit threshold, two lines in one, seed), as
    "FIELD PINNED, now NOW"; empty when they are the same, or cannot be told (the shipped
    file no longer loads)."""
    try:
        then = leaves(pinned.scenario().model_dump(mode="json"))
        now = Policy.from_file(path)
    except ScenarioError:
        return ""
    try:
        today = now.with_(
            # a program the shipped file dropped, or now funds from a budget of its own, is
            # a difference of its own below
            shares={n: pinned.shares.get(n, share) for n, share in now.shares.items()},
            budget_scale=pinned.budget_scale,
            exit_margin=pinned.exit_margin,
            two_lines_in_one=pinned.two_lines_in_one,
            seed=pinned.seed,
            label=pinned.label,
        ).scenario()
    except ScenarioError:
        # the pin's shares no longer fit it (a program added): against the file as shipped
        today = now.scenario()
    flat = leaves(today.model_dump(mode="json"))
    # By setting, a dated series' years together: the microcredit budget's five revised
    # years hid its interest rate behind "and 3 more".
    fields: dict[str, list[str]] = {}
    for key in dict.fromkeys([*flat, *then]):
        parts = key.split(".")
        # The name and the description say nothing a run uses.
        if parts[0] in ("name", "description") or _same(then.get(key), flat.get(key)):
            continue
        while len(parts) > 1 and parts[-1].isdigit():
            parts.pop()
        fields.setdefault(".".join(parts), []).append(key)
    shown = []
    for keys in list(fields.values())[:MOST_DIFFERENCES]:
        text = f"{keys[0]} {_value(then.get(keys[0]))}, now {_value(flat.get(keys[0]))}"
        if len(keys) > 1:
            text += f" (and {len(keys) - 1} more of its years)"
        shown.append(text)
    more = len(fields) - MOST_DIFFERENCES
    return "; ".join(shown) + (f"; and {more} more settings" if more > 0 else "")


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    return bool(a == b)


def _value(value: Any) -> str:
    """A setting as a planner reads it: 0.0435, 7,080,000, none."""
    if value is None:
        return "none"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1000:
        return f"{int(value):,}"
    if isinstance(value, str):
        return repr(value)
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | bool) else str(value)


@solara.component_vue("pins.vue")
def PinStore(
    value: str,
    epoch: int,
    event_restore: Callable[[str], None],
    event_sync: Callable[[str], None],
) -> None:
    """Keeps ``value`` (:func:`pins_json`) in the browser and hands back what it kept when
    the page opens (``event_restore``, to add to the session's pins) and what another tab
    of the browser wrote since (``event_sync``, to replace them); a change of ``epoch``
    writes ``value`` again."""
