"""Every source a shipped scenario cites can be followed from the repository."""

from __future__ import annotations

import re

from .conftest import ROOT, SCENARIOS

DIGEST_TITLE = "China's targeted poverty alleviation, 2014–2020"


def _scenario_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in SCENARIOS.rglob("*.toml")}


def test_scenarios_cite_no_path_outside_the_repository() -> None:
    for name, text in _scenario_texts().items():
        assert "../shared" not in text, name
        assert "/work/" not in text, name


def test_cited_seeds_and_the_digest_are_described_in_the_docs() -> None:
    sources = (ROOT / "docs" / "sources.md").read_text(encoding="utf-8")
    digest = (ROOT / "docs" / "domain.md").read_text(encoding="utf-8")
    assert DIGEST_TITLE in digest.splitlines()[0]
    cited = set()
    for text in _scenario_texts().values():
        cited |= set(re.findall(r"\b\d{3}_[0-9a-f]{16}\.txt\b", text))
    assert cited
    for seed in cited:
        assert seed in sources, f"{seed} is cited but not described in docs/sources.md"
        assert seed in digest, f"{seed} is cited but not in the digest"
    baseline = (SCENARIOS / "baseline.toml").read_text(encoding="utf-8")
    assert DIGEST_TITLE in " ".join(baseline.replace("#", " ").split())
