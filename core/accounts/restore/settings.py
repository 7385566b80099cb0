"""Account settings in an account restore: applying a ``SettingsPlan`` (plan.py) to the catalog."""

from __future__ import annotations

from core.accounts.restore.plan import SettingsPlan


def apply_settings(catalog, plan: SettingsPlan) -> None:
    v = plan.values
    if plan.action == "create":
        catalog.accounts.add(v["username"], v["home_dir"], email=v["email"], units=v["units"],
                             excludes=v["excludes"], encryption=v["encryption"], account_id=v["account_id"])
    elif plan.action == "update":
        catalog.accounts.edit(plan.saved["id"], email=v["email"], home_dir=v["home_dir"], units=v["units"],
                              excludes=v["excludes"])
