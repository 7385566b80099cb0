"""Every vector in tests/vectors/manifest.json: good ones open to their digest, bad ones raise their
class through the API and through ``unitvault inspect`` (exit 1, one line), and nothing is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import core.errors as errors
from core.bundle import keys, open_bundle, parse_private_key
from core.unit.digest import digest_sections
from core.unit.records import SECTIONS
from tests.conftest import write_secret

from .conftest import listing

VECTORS = Path(__file__).resolve().parents[2] / "vectors"
MANIFEST = json.loads((VECTORS / "manifest.json").read_text())
BAD = sorted(k for k, v in MANIFEST.items() if v["expect"] != "ok")
GOOD = sorted(k for k, v in MANIFEST.items() if v["expect"] == "ok")


def credential(entry: dict) -> dict:
    if "raw_key" in entry:
        return {"raw_key": bytes.fromhex(entry["raw_key"])}
    if "password" in entry:
        return {"password": entry["password"]}
    return {"recovery_identity": parse_private_key(entry["recovery_key"])}


def test_manifest_covers_the_issue():
    assert len(BAD) >= 30
    assert "good/v1-compat-small.uvault" in GOOD
    classes = {MANIFEST[k]["expect"] for k in BAD}
    assert classes == {"NotABundleError", "NewerVersionError", "UnsupportedBundleError", "DamagedBundleError",
                       "WrongPasswordError", "TruncatedBundleError", "InvalidContentError"}


@pytest.mark.parametrize("name", GOOD)
def test_good_vector_opens_to_its_digest(name):
    entry = MANIFEST[name]
    bundle = open_bundle(VECTORS / name, **credential(entry))
    got: dict[str, list] = {s: [] for s in SECTIONS}
    for section, wire in bundle.records():
        got[section].append(wire)
    assert digest_sections(got) == entry["digest"]
    assert {s: len(v) for s, v in got.items()} == entry["counts"]


def test_compat_bundle_opens_with_the_recovery_key():
    entry = MANIFEST["good/v1-compat-small.uvault"]
    bundle = open_bundle(VECTORS / "good/v1-compat-small.uvault",
                         recovery_identity=parse_private_key(entry["recovery_key"]))
    assert bundle.scan().unit_name == "vectors"


@pytest.mark.parametrize("name", BAD)
def test_bad_vector_raises_its_class(name, tmp_path):
    entry = MANIFEST[name]
    expected = getattr(errors, entry["expect"])
    before = listing(VECTORS)
    with pytest.raises(expected) as info:
        open_bundle(VECTORS / name, **credential(entry)).scan()
    assert type(info.value) is expected
    assert "\n" not in info.value.message
    if expected is errors.WrongPasswordError and "password" in entry:
        assert "password" in info.value.message
    assert "hunter2" not in info.value.message and "s3cr3t" not in info.value.message
    assert listing(VECTORS) == before


HEADER_STAGE = {"NotABundleError", "NewerVersionError", "UnsupportedBundleError"}


@pytest.mark.parametrize("name", [n for n in BAD if MANIFEST[n]["expect"] in HEADER_STAGE])
def test_hostile_headers_are_refused_before_the_kdf(name, monkeypatch):
    def no_kdf(*a, **k):
        raise AssertionError("the KDF ran on a hostile header")

    monkeypatch.setattr(keys, "argon2id", no_kdf)
    with pytest.raises(getattr(errors, MANIFEST[name]["expect"])):
        open_bundle(VECTORS / name, password="correct horse battery staple")


# Raw-key vectors (the app-held key of snapshots) have no CLI credential; the API test covers them.
@pytest.mark.parametrize("name", [n for n in BAD if "password" in MANIFEST[n] or "recovery_key" in MANIFEST[n]])
def test_bad_vector_through_cli_inspect(name, tmp_path, capsys):
    from core.cli.main import main

    entry = MANIFEST[name]
    home = tmp_path / "home"
    args = ["--home", str(home), "inspect", str(VECTORS / name)]
    if "password" in entry:
        write_secret(tmp_path / "pw", entry["password"] + "\n")
        args += ["--password-file", str(tmp_path / "pw")]
    else:
        (tmp_path / "rk").write_text(entry["recovery_key"] + "\n")
        args += ["--recovery-key", str(tmp_path / "rk")]
    main(["--home", str(home), "unit", "list", "--json"])      # the home exists before we look
    before_home = {k: v for k, v in listing(home).items() if not k.startswith("logs")}
    before_vec = listing(VECTORS)
    capsys.readouterr()
    rc = main(args)
    out, err = capsys.readouterr()
    assert rc == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("unitvault: error: ")
    assert out == ""
    assert {k: v for k, v in listing(home).items() if not k.startswith("logs")} == before_home
    assert listing(VECTORS) == before_vec
