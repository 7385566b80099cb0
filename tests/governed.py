"""A home with users, for the governance tests (core, CLI, desktop): units ``alice`` and ``bob``,
accounts ``alice`` and ``bob`` owning them (with real home folders), and the users

- ``boss`` (admin, boss@example.org), ``helper`` (helpdesk), ``alice`` (user owning account alice,
  whose plan ``self-service`` enables the Backups module), ``bob`` (user owning account bob, no plan);

the mode user-configured, and a local destination ``offsite`` for the admin. ``PASSWORDS`` holds
each user's password. Signing in goes through the use case, as the shells do."""

from __future__ import annotations

from dataclasses import dataclass, field

PASSWORDS = {"boss": "boss-password-1", "helper": "helper-password-1", "alice": "alice-password-1",
             "bob": "bob-password-1"}
ROLES = {"boss": "admin", "helper": "helpdesk", "alice": "user", "bob": "user"}


@dataclass
class Governed:
    ctx: object
    tmp_path: object
    homes: dict = field(default_factory=dict)       # account -> its home folder
    offsite: object = None                          # the admin's destination folder

    def sign_in(self, name: str):
        from core.app import users

        return users.sign_in(self.ctx, users.SignIn(name, PASSWORDS[name]))

    def as_user(self, name: str):
        """Sign in and make the actor the context's (as a shell does)."""
        self.ctx.actor = self.sign_in(name)
        return self.ctx.actor

    def token(self, name: str) -> str:
        from core.app import tokens

        actor = self.sign_in(name)
        return tokens.reset_token(self.ctx, tokens.MakeToken(PASSWORDS[name]), actor=actor).token


def build(ctx, tmp_path, *, mode: str = "user-configured") -> Governed:
    from core.app import accounts, destinations, modes, units, users

    g = Governed(ctx, tmp_path)
    for name in ("alice", "bob"):
        units.seed_unit(ctx, units.SeedUnit(name, "small", seed=len(name)))
        home = tmp_path / f"{name}-home"
        (home / "docs").mkdir(parents=True)
        (home / "docs" / "note.txt").write_text(f"{name}'s private note: the secret garden\n")
        g.homes[name] = home
        accounts.add_account(ctx, accounts.AddAccount(name, str(home), email=f"{name}@example.org", units=(name,)))
    g.offsite = tmp_path / "offsite"
    destinations.add_destination(ctx, destinations.AddDestination("offsite", "local", path=str(g.offsite)))
    modes.add_plan(ctx, modes.PlanSpec("self-service", backups=True))
    modes.assign_plan(ctx, modes.AssignPlan("alice", "self-service"))
    modes.set_mode(ctx, modes.SetMode(mode))
    users.add_user(ctx, users.AddUser("boss", "admin", PASSWORDS["boss"], email="boss@example.org"))
    admin = g.sign_in("boss")
    users.add_user(ctx, users.AddUser("helper", "helpdesk", PASSWORDS["helper"]), actor=admin)
    users.add_user(ctx, users.AddUser("alice", "user", PASSWORDS["alice"], accounts=("alice",)), actor=admin)
    users.add_user(ctx, users.AddUser("bob", "user", PASSWORDS["bob"], accounts=("bob",)), actor=admin)
    return g
