"""Demo units: the huge size is exactly ten times large, and as deterministic as the others."""

from __future__ import annotations

from itertools import islice

import pytest

from core.unit.seed import SIZES, generate


def test_huge_is_exactly_ten_times_large():
    large, huge = SIZES["large"], SIZES["huge"]
    assert (huge.plugins, huge.workspaces, huge.apps_per_workspace, huge.profiles, huge.config_keys) == (
        10 * large.plugins, 10 * large.workspaces, large.apps_per_workspace, 10 * large.profiles,
        10 * large.config_keys) == (10_000, 50_000, 10, 2_000, 1_000_000)


def test_huge_is_deterministic_and_its_keys_are_unique_and_fixed_width():
    def head(seed):
        return {s: list(islice(it, 50)) for s, it in generate("huge", seed).items()}

    assert head(0) == head(0) != head(1)
    keys = [w["key"] for w in head(0)["config_keys"]]
    assert all(k.rsplit(".k", 1)[1].isdigit() and len(k.rsplit(".k", 1)[1]) == 6 for k in keys)


@pytest.mark.slow
def test_huge_generates_a_million_config_keys():
    sections = generate("huge", 0)
    n = sum(1 for _ in sections["config_keys"])
    apps = sum(len(w["applications"]) for w in sections["workspaces"])
    assert (n, apps) == (1_000_000, 500_000)
