"""Key text forms, recovery identities, KDF policy and the password strength estimate."""

from __future__ import annotations

import pytest

from core.bundle import (
    calibrate_kdf,
    configured_recovery_public_key,
    default_kdf,
    format_private_key,
    format_public_key,
    generate_recovery_key,
    load_recovery_identity,
    parse_private_key,
    parse_public_key,
    password_strength,
)
from core.bundle import limits as L
from core.bundle.header import KdfParams
from core.errors import InvalidInputError
from core.settings import Settings


def test_recovery_key_text_round_trips_and_catches_typos(tmp_path):
    private, public = generate_recovery_key()
    sec, pub = format_private_key(private), format_public_key(public)
    assert sec.startswith("UVSEC1-") and pub.startswith("UVPUB1-")
    assert parse_public_key(pub) == public
    spaced = " ".join(sec[i:i + 8] for i in range(0, len(sec), 8)).lower()
    assert parse_private_key(spaced) == private            # as typed from the printed kit
    typo = sec[:-3] + ("A" if sec[-3] != "A" else "B") + sec[-2:]
    with pytest.raises(InvalidInputError, match="typo"):
        parse_private_key(typo)
    with pytest.raises(InvalidInputError):
        parse_public_key(sec)                              # a private key is not a public key
    (tmp_path / "recovery.key").write_text(f"# comment\n{sec}\n")
    assert load_recovery_identity(tmp_path / "recovery.key") == private


def test_default_kdf_uses_calibrated_settings_but_never_below_the_floor(tmp_path):
    settings = Settings(tmp_path / "settings.ini")
    assert default_kdf(settings) == KdfParams(L.KDF_DEFAULT_M, L.KDF_DEFAULT_T, L.KDF_DEFAULT_P)
    for k, v in (("kdf/m_kib", 131072), ("kdf/t", 4), ("kdf/p", 1)):
        settings.set(k, v)
    assert default_kdf(settings) == KdfParams(131072, 4, 1)
    settings.set("kdf/m_kib", 1024)                       # below the floor: ignored
    assert default_kdf(settings).m_kib == L.KDF_DEFAULT_M
    assert configured_recovery_public_key(settings) is None
    _, public = generate_recovery_key()
    settings.set("recovery/public_key", format_public_key(public))
    assert configured_recovery_public_key(settings) == public


@pytest.mark.parametrize("seconds_per_pass_at_256", [0.01, 0.05, 0.2, 0.4, 1.0, 3.0])
def test_calibration_aims_at_half_to_one_second_within_bounds(seconds_per_pass_at_256):
    def cost(k: KdfParams) -> float:
        return seconds_per_pass_at_256 * k.t * k.m_kib / (256 * 1024)

    k = calibrate_kdf(measure=cost)
    assert k.m_kib >= L.KDF_FLOOR_M and k.t >= L.KDF_FLOOR_T and k.m_kib <= L.KDF_M_MAX and k.t <= L.KDF_T_MAX
    if 0.05 <= seconds_per_pass_at_256 <= 0.4:
        assert 0.5 <= cost(k) <= 1.0


def test_password_strength_orders_passwords_and_never_echoes():
    weak = password_strength("abcd")
    common = password_strength("password1")
    fair = password_strength("Tr0ub4dor&3")
    strong = password_strength("correct horse battery staple")
    assert weak[0] == 0 and common[0] == 0
    assert fair[0] >= 2 and strong[0] >= 3
    assert password_strength("aaaaaaaaaaaaaaaa")[0] <= 1
    for pw in ("abcd", "Tr0ub4dor&3"):
        assert pw not in password_strength(pw)[1]
