"""The application layer: every operation passes the one wrapper (policy, log), and the rules that
used to live in the shells hold for any caller."""

from __future__ import annotations

import logging

import pytest

from core.app import accounts, backups, bundles, destinations, units
from core.app.actor import Actor
from core.app.policy import Decision, PermissionDenied
from core.app.usecase import REGISTRY
from core.errors import (
    AlreadyExistsError,
    Cancelled,
    ConfirmationRequired,
    InvalidInputError,
    NotFoundError,
    StoreError,
)
from core.progress import CancelToken, Reporter

PASSWORD = "tulip-anchor-42"


def test_every_area_has_its_use_cases():
    from core.app import load_all

    load_all()
    areas = {action.split(".")[0] for action in REGISTRY}
    assert {"unit", "bundle", "import", "account", "destination", "backup", "settings"} <= areas
    for action, case in REGISTRY.items():
        assert case.action == action and callable(case.fn)


def test_one_change_in_the_policy_refuses_every_operation_before_it_runs(ctx, monkeypatch):
    units.seed_unit(ctx, units.SeedUnit("demo"))
    asked = []

    def deny(actor, action, target=""):
        asked.append((actor.name, action, target))
        return Decision(False, "Not today.")

    monkeypatch.setattr("core.app.policy.allowed", deny)
    with pytest.raises(PermissionDenied) as err:
        units.delete_unit(ctx, units.DeleteUnit("demo", confirmed=True))
    assert err.value.message == "Not today." and err.value.kind == "permission_denied"
    with pytest.raises(PermissionDenied):
        units.list_units(ctx)
    assert asked == [("local-admin", "unit.delete", "demo"), ("local-admin", "unit.list", "")]
    monkeypatch.undo()
    assert [s.unit.name for s in units.list_units(ctx)] == ["demo"]      # nothing was deleted


def test_a_non_admin_actor_is_refused_by_the_default_policy(ctx):
    with pytest.raises(PermissionDenied):
        units.list_units(ctx, actor=Actor("guest", "user"))


def test_operations_are_logged_without_their_secrets(ctx, tmp_path, caplog):
    units.seed_unit(ctx, units.SeedUnit("demo"))
    target = bundles.ExportTarget(("demo",), tmp_path / "demo.uvault")
    with caplog.at_level(logging.INFO, logger="unitvault.app"):
        result = bundles.export_units(ctx, bundles.ExportUnits(target, PASSWORD))
    assert result.ok and (tmp_path / "demo.uvault").exists()
    text = caplog.text
    assert "bundle.export by local-admin (demo -> " in text and "bundle.export done" in text
    assert PASSWORD not in text and PASSWORD not in repr(bundles.ExportUnits(target, PASSWORD))


def test_export_refuses_before_any_work(ctx, tmp_path):
    units.seed_unit(ctx, units.SeedUnit("demo"))
    (tmp_path / "taken.uvault").write_bytes(b"keep me")
    with pytest.raises(AlreadyExistsError) as err:
        bundles.check_export(ctx, bundles.ExportTarget(("demo",), tmp_path / "taken.uvault"))
    assert err.value.kind == "file_exists" and err.value.data["path"].endswith("taken.uvault")
    with pytest.raises(InvalidInputError) as err:
        bundles.export_units(ctx, bundles.ExportUnits(bundles.ExportTarget(("demo",), tmp_path / "x.uvault"), "abc"))
    assert err.value.kind == "password_too_short" and not (tmp_path / "x.uvault").exists()
    with pytest.raises(InvalidInputError) as err:
        bundles.check_export(ctx, bundles.ExportTarget(("demo", "other"), tmp_path / "one.uvault", folder=False))
    assert err.value.kind == "one_file_many_units"
    assert (tmp_path / "taken.uvault").read_bytes() == b"keep me"


def test_a_cancelled_seed_leaves_no_unit(ctx):
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        units.seed_unit(ctx, units.SeedUnit("demo", "medium"), reporter=Reporter(cancel=token))
    assert units.list_units(ctx) == []


def test_a_seed_reports_progress_to_the_end(ctx):
    seen = []
    units.seed_unit(ctx, units.SeedUnit("demo"), reporter=Reporter(seen.append, min_interval=0))
    assert seen[0].stage == "seeding" and seen[-1].done == seen[-1].total == 20 + 50 + 10 + 1000


def test_deleting_needs_confirmation(ctx):
    units.seed_unit(ctx, units.SeedUnit("demo"))
    with pytest.raises(ConfirmationRequired) as err:
        units.delete_unit(ctx, units.DeleteUnit("demo"))
    assert err.value.kind == "confirm_delete" and err.value.data == {"what": "unit", "name": "demo"}
    units.delete_unit(ctx, units.DeleteUnit("demo", confirmed=True))
    with pytest.raises(NotFoundError):
        units.show_unit(ctx, units.UnitRef("demo"))


def test_an_account_needs_an_existing_home_directory(ctx, tmp_path):
    with pytest.raises(InvalidInputError) as err:
        accounts.add_account(ctx, accounts.AddAccount("alice", str(tmp_path / "nowhere")))
    assert err.value.kind == "home_dir_missing" and accounts.list_accounts(ctx) == []
    (tmp_path / "alice").mkdir()
    a = accounts.add_account(ctx, accounts.AddAccount("alice", str(tmp_path / "alice"), excludes=("*.log",)))
    b = accounts.edit_account(ctx, accounts.EditAccount("alice", add_excludes=("cache/", "*.log"),
                                                        remove_excludes=("*.log",)))
    assert a.excludes == ("*.log",) and b.excludes == ("cache/",)


def test_a_destination_secret_is_removed_again_when_the_catalog_refuses(ctx, tmp_path, monkeypatch):
    from core.destinations import secret_name

    def broken(config, conn=None):
        raise StoreError("The catalog could not be written (OperationalError).")

    monkeypatch.setattr(ctx.catalog.destinations, "add", broken)
    req = destinations.AddDestination("bucket", "s3", bucket="my-bucket", access_key_id="AKIA1",
                                      secret=b"s3cr3t-value", check=False)
    with pytest.raises(StoreError):
        destinations.add_destination(ctx, req)
    assert ctx.secrets.get(secret_name("bucket")) is None
    monkeypatch.undo()
    info = destinations.add_destination(ctx, req)
    assert info.has_secret and "s3cr3t" not in repr(req)
    with pytest.raises(InvalidInputError) as err:
        destinations.add_destination(ctx, destinations.AddDestination("usb", "local", path=str(tmp_path),
                                                                      bucket="b"))
    assert err.value.kind == "destination_option_unused" and err.value.data["options"] == ["bucket"]


def test_a_terminate_restore_needs_confirmation_but_a_dry_run_does_not():
    req = backups.RestoreBackup("0123456789abcdef", "files", "terminate")
    with pytest.raises(ConfirmationRequired) as err:
        backups.check_restore(req)
    assert err.value.kind == "confirm_terminate"
    backups.check_restore(backups.RestoreBackup("0123456789abcdef", "files", "terminate", dry_run=True))
    backups.check_restore(backups.RestoreBackup("0123456789abcdef", "files", "merge"))
    with pytest.raises(InvalidInputError) as err:
        backups.check_restore(backups.RestoreBackup("0123456789abcdef", "account", "merge", paths=("a",)))
    assert err.value.kind == "paths_need_files"


def test_a_deleted_unit_comes_back_with_undo(ctx):
    from core.app import imports

    units.seed_unit(ctx, units.SeedUnit("demo", drift=2))
    before = units.unit_digest(ctx, units.UnitRef("demo"))
    done = units.delete_unit(ctx, units.DeleteUnit("demo", confirmed=True))
    assert done.snapshot_id and units.list_units(ctx) == []
    snaps = imports.list_safety_snapshots(ctx, imports.ListSafetySnapshots("demo"))
    assert [(s.id, s.kind) for s in snaps] == [(done.snapshot_id, "delete")]
    plan = imports.preview_safety_snapshot(ctx, imports.PreviewSafetySnapshot(unit="demo"))
    assert plan.preview.target is None                               # the unit is created again
    imports.restore_safety_snapshot(ctx, imports.RestoreSafetySnapshot(plan))
    assert units.unit_digest(ctx, units.UnitRef("demo")) == before
