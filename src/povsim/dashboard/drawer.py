"""The sidebar's keys: Esc closes it where a narrow window lays it over the page."""

from __future__ import annotations

import solara

__all__ = ["DrawerKeys"]


@solara.component_vue("drawer.vue")
def DrawerKeys() -> None:
    """Listens in the browser for Esc while the sidebar lies over the page (a window under
    960 pixels wide) and closes it as its menu button does, giving that button the focus."""
