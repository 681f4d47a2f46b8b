"""Scenario inheritance as pure mapping rules: a parent scenario mapping plus a child's overrides.

A what-if file's ``extends:`` (read and resolved by :func:`sim.loading.resolve_extends`, which reads files) and a
command-line or dashboard override (:func:`sim.loading.with_overrides`) both apply their keys to the parent with
:func:`apply_overrides`. Nothing here reads a file. The rules (also in ``scenarios/README.md``):

- mappings (``procedure``, ``chair``, ``uncertainty``, ``chair.draft``, a delegation's ``position`` ...) merge key by
  key: the child changes only the keys it names;
- scalars (``name``, ``title``, ``description`` ...) are replaced;
- ``sources`` is appended to the parent's (a what-if rests on its parent's evidence plus its own);
- ``delegations``, ``blocs``, ``stakeholders`` and ``issues`` given as a **list** replace the parent's list whole; given as a
  **mapping keyed by id** they patch the named entries (``USA: {outside_option: 0.6}``), and ``ID: null`` removes
  one. In ``delegations`` a key ``"@BLOC"`` patches every member of bloc ``BLOC``; bloc patches apply first, so a
  patch of a single delegation wins over its bloc's. A removed delegation also leaves the blocs it was in.

An unknown parent, an id that is not in the parent, or a cycle of ``extends`` is a :class:`ScenarioError` naming
the file and the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.errors import ScenarioError

#: Keys whose list can be patched by id when the child gives a mapping.
KEYED_LISTS = ("issues", "blocs", "delegations", "stakeholders")


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``update`` into ``base`` (mappings merge key by key; anything else is replaced)."""
    out = dict(base)
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def apply_overrides(parent: Mapping[str, Any], child: Mapping[str, Any], source: str) -> dict[str, Any]:
    """The parent mapping with the child's overrides applied by the rules in the module docstring."""
    out = dict(parent)
    for key, value in child.items():
        if key == "sources" and isinstance(value, (list, tuple)) and isinstance(out.get(key), (list, tuple)):
            out[key] = list(out[key]) + list(value)
        elif key in KEYED_LISTS and isinstance(value, Mapping):
            out = patch_keyed_list(out, key, value, source)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def patch_keyed_list(data: dict[str, Any], key: str, patches: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Patch the entries of ``data[key]`` (a list of mappings with ``id``) named by ``patches``; ``null`` removes."""
    entries = [dict(e) for e in data.get(key) or [] if isinstance(e, Mapping)]
    index = {e.get("id"): n for n, e in enumerate(entries)}
    targets = expand_targets(data, key, patches, index, source)
    removed = set()
    for entry_id, patch in targets:
        if patch is None:
            removed.add(entry_id)
        elif isinstance(patch, Mapping):
            entries[index[entry_id]] = merge(entries[index[entry_id]], patch)
        else:
            raise ScenarioError(source, [(f"{key}.{entry_id}", f"expected a mapping of fields or null, got {patch!r}")])
    out = dict(data)
    out[key] = [e for e in entries if e.get("id") not in removed]
    if key == "delegations" and removed:
        out["blocs"] = [_without_members(b, removed) for b in out.get("blocs") or []]
    return out


def expand_targets(
    data: Mapping[str, Any], key: str, patches: Mapping[str, Any], index: Mapping[Any, int], source: str
) -> list[tuple[str, Any]]:
    """``(id, patch)`` pairs in the order they apply: ``"@BLOC"`` patches (delegations only) first, then single ids."""
    by_bloc, single = [], []
    for name, patch in patches.items():
        name = str(name)
        if key == "delegations" and name.startswith("@"):
            members = bloc_members(data, name[1:])
            if members is None:
                raise ScenarioError(source, [(f"{key}.{name}", f"no bloc '{name[1:]}' in the parent scenario")])
            by_bloc += [(m, patch) for m in members if m in index]
        elif name in index:
            single.append((name, patch))
        else:
            raise ScenarioError(source, [(f"{key}.{name}", unknown_id(key[:-1], name, [str(i) for i in index]))])
    return by_bloc + single


def unknown_id(kind: str, name: str, ids: list[str]) -> str:
    """``no delegation 'USB' to patch (did you mean 'USA'?)``: worded for a command-line override and an ``extends``
    alike, with the closest id (any case), else a few of the ids there are."""
    import difflib

    by_case = {i.casefold(): i for i in ids}
    close = [by_case[name.casefold()]] if name.casefold() in by_case else difflib.get_close_matches(name, ids, n=1)
    if not close:
        close = [by_case[c] for c in difflib.get_close_matches(name.casefold(), list(by_case), n=1)]
    if close:
        return f"no {kind} '{name}' to patch (did you mean '{close[0]}'?)"
    some = sorted(ids)
    listing = ", ".join(some[:12]) + (", ..." if len(some) > 12 else "")
    return f"no {kind} '{name}' to patch (the {kind} ids: {listing})"


def bloc_members(data: Mapping[str, Any], bloc_id: str) -> list[str] | None:
    """Members of bloc ``bloc_id``: listed in ``blocs`` or naming it in their ``bloc`` field; None if no such bloc."""
    blocs = [b for b in data.get("blocs") or [] if isinstance(b, Mapping) and b.get("id") == bloc_id]
    listed = [m for b in blocs for m in b.get("members") or []]
    declared = [
        d.get("id") for d in data.get("delegations") or [] if isinstance(d, Mapping) and d.get("bloc") == bloc_id
    ]
    if not blocs and not declared:
        return None
    return list(dict.fromkeys(listed + declared))


def _without_members(bloc: Any, removed: set[str]) -> Any:
    if not isinstance(bloc, Mapping) or not isinstance(bloc.get("members"), (list, tuple)):
        return bloc
    return {**bloc, "members": [m for m in bloc["members"] if m not in removed]}
