"""The sidebar where a narrow window lays it over the page: closed when the page opens, and
closed by Esc."""

from __future__ import annotations

import solara

__all__ = ["DrawerKeys"]


@solara.component_vue("drawer.vue")
def DrawerKeys() -> None:
    """Closes the sidebar when the page opens in a window under 960 pixels wide, where it
    lies over the page, and listens for Esc while it is open there: closes it as its menu
    button does, giving that button the focus."""
