"""Use cases for tags (name, colour, optional priority group; assigned to accounts) and priority groups."""

from __future__ import annotations

import colorsys
import random
from dataclasses import dataclass

from core.app.usecase import use_case
from core.errors import InvalidInputError

UNCHANGED = object()


def random_color(rng: random.Random | None = None) -> str:
    """A clear, readable colour: any hue, saturation 55-80%, lightness 40-55% (chips stay legible with
    white or black text)."""
    rng = rng or random.SystemRandom()
    r, g, b = colorsys.hls_to_rgb(rng.random(), rng.uniform(0.40, 0.55), rng.uniform(0.55, 0.80))
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


@dataclass(frozen=True)
class AddTag:
    name: str
    color: str | None = None          # None: a random colour
    priority_group: str | None = None


@use_case("tag.add", writes=True, target=lambda r: r.name)
def add_tag(ctx, req: AddTag, *, actor, reporter):
    return ctx.catalog.tags.add(req.name, req.color or random_color(), req.priority_group)


@use_case("tag.list")
def list_tags(ctx, request=None, *, actor, reporter) -> list:
    return ctx.catalog.tags.list()


@dataclass(frozen=True)
class EditTag:
    name: str
    rename: str | None = None
    color: str | None = None
    random_color: bool = False
    priority_group: object = UNCHANGED   # a group name, None to clear, UNCHANGED to leave


@use_case("tag.edit", writes=True, target=lambda r: r.name)
def edit_tag(ctx, req: EditTag, *, actor, reporter):
    from core.catalog.tags import UNCHANGED as KEEP

    if req.color and req.random_color:
        raise InvalidInputError("Give a colour or ask for a random one, not both.")
    color = random_color() if req.random_color else req.color
    group = KEEP if req.priority_group is UNCHANGED else req.priority_group
    return ctx.catalog.tags.edit(req.name, rename=req.rename, color=color, priority_group=group)


@dataclass(frozen=True)
class TagRef:
    name: str


@use_case("tag.remove", writes=True, target=lambda r: r.name)
def remove_tag(ctx, req: TagRef, *, actor, reporter) -> None:
    ctx.catalog.tags.remove(req.name)


@dataclass(frozen=True)
class TagAccount:
    tag: str
    account: str
    assign: bool = True


@use_case("tag.assign", writes=True, target=lambda r: f"{r.tag} {'to' if r.assign else 'from'} {r.account}")
def assign_tag(ctx, req: TagAccount, *, actor, reporter) -> bool:
    """True when something changed."""
    account = ctx.catalog.accounts.get(req.account)
    if req.assign:
        return ctx.catalog.tags.assign(req.tag, account.id)
    return ctx.catalog.tags.unassign(req.tag, account.id)


@dataclass(frozen=True)
class SetAccountTags:
    account: str
    tags: tuple[str, ...]           # the account's tags, all of them, once this is done


@dataclass(frozen=True)
class TagsChanged:
    added: tuple[str, ...]
    removed: tuple[str, ...]


@use_case("tag.set", writes=True, target=lambda r: f"{r.account}: {', '.join(sorted(r.tags)) or 'no tags'}")
def set_account_tags(ctx, req: SetAccountTags, *, actor, reporter) -> TagsChanged:
    """The account's tags become exactly ``tags``, in one transaction: the missing ones are assigned,
    the others taken off (an unknown tag changes nothing and is refused)."""
    cat = ctx.catalog
    with cat.write() as c:
        account = cat.accounts.get(req.account, c)
        wanted, had = set(req.tags), set(account.tags)
        added, removed = tuple(sorted(wanted - had)), tuple(sorted(had - wanted))
        for tag in added:
            cat.tags.assign(tag, account.id, c)
        for tag in removed:
            cat.tags.unassign(tag, account.id, c)
    return TagsChanged(added, removed)


# --- priority groups ---------------------------------------------------------------------------------------
@use_case("priority.list")
def list_priorities(ctx, request=None, *, actor, reporter) -> dict:
    return {"groups": ctx.catalog.priorities.list(), "kinds": ctx.catalog.priorities.kinds()}


@dataclass(frozen=True)
class SetPriority:
    name: str
    value: int | None = None          # add or change the group's value
    remove: bool = False


@use_case("priority.set", writes=True, target=lambda r: r.name)
def set_priority(ctx, req: SetPriority, *, actor, reporter):
    groups = ctx.catalog.priorities
    if req.remove:
        groups.remove(req.name)
        return None
    if req.value is None:
        raise InvalidInputError("Give the group's value (0 runs first, 1000 last).")
    exists = any(g.name == req.name for g in groups.list())
    return groups.set_value(req.name, req.value) if exists else groups.add(req.name, req.value)


@dataclass(frozen=True)
class SetKindPriority:
    kind: str          # backup | restore | download
    group: str


@use_case("priority.kind", writes=True, target=lambda r: f"{r.kind} -> {r.group}")
def set_kind_priority(ctx, req: SetKindPriority, *, actor, reporter) -> dict:
    ctx.catalog.priorities.set_kind(req.kind, req.group)
    return ctx.catalog.priorities.kinds()
