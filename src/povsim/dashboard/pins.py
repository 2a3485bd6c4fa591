"""Pinned mixes kept in the browser, so a reload does not lose them.

Each pinned mix is kept as the standalone scenario file its export writes, with its
replications; read back, it is untrusted input like any upload
(:func:`povsim.dashboard.upload.load_upload`): the storage is the browser's, and a file
written by an older povsim may no longer load.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import solara

from povsim.config import ScenarioError
from povsim.dashboard.policy import Policy
from povsim.dashboard.upload import MAX_UPLOAD_BYTES, load_upload

__all__ = ["PinStore", "pins_json", "restore_pins"]


def pins_json(pinned: list[Policy]) -> str:
    """What the browser keeps of ``pinned`` (a mix that no longer validates is left out)."""
    entries = []
    for mix in pinned:
        try:
            toml = mix.to_toml()
        except ScenarioError:
            continue
        entries.append({"label": mix.label, "replications": mix.replications, "toml": toml})
    return json.dumps(entries, ensure_ascii=False)


def restore_pins(text: str, shipped: Path, most: int) -> tuple[list[Policy], list[str]]:
    """The mixes kept in ``text`` (at most ``most``), and a message for each that could not
    be restored."""
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
        restored.append(policy.with_(label=label, source=f"pinned: {label}"))
    return restored, problems


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
