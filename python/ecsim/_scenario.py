"""Scenario objects: the scenario file's TOML table, editable from Python.

Edits change the table only; the library checks it (``validate()``, and
every ``run``/``price``/``sweep``) with the words ``ecsim validate`` uses.
While the table is as read, the original text is what gets checked, so an
error also says its line and column.
"""

import copy
import json
import os
import warnings

from . import _ecsim
from ._errors import InputError, Note


def _json(doc, file):
    """The table as JSON for the library. What TOML cannot hold (None,
    NaN, an integer past 64 bits, an object) is an InputError naming the
    field, as the library names fields."""
    _check_values(doc, "", file)

    def plain(o):
        # numpy and pandas scalars (a grid built with numpy.arange).
        return o.item()

    return json.dumps(doc, default=plain, allow_nan=False)


def _check_values(v, path, file):
    def bad(msg):
        raise InputError(file, path, msg)

    if isinstance(v, dict):
        for k, x in v.items():
            if not isinstance(k, str):
                raise InputError(file, path, f"key {k!r} is not text; TOML keys are strings")
            _check_values(x, f"{path}.{k}" if path else k, file)
    elif isinstance(v, (list, tuple)):
        for i, x in enumerate(v):
            _check_values(x, f"{path}[{i}]", file)
    elif v is None:
        bad("is None; TOML has no null: leave the key out (del) instead")
    elif isinstance(v, bool) or isinstance(v, str):
        pass
    elif isinstance(v, int):
        if not -(2**63) <= v < 2**63:
            bad(f"{v} does not fit a TOML integer (64 bits)")
    elif isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            bad(f"{v} has no TOML form (NaN and infinity are not numbers a scenario takes)")
    elif hasattr(v, "item") and not isinstance(v.item(), (dict, list)):
        _check_values(v.item(), path, file)
    else:
        bad(f"a {type(v).__name__} ({v!r}) has no TOML form")


def _wrap(value, scenario):
    if isinstance(value, dict):
        return Table(value, scenario)
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        return Array(value, scenario)
    return value


class Table:
    """A TOML table of the scenario: keys as attributes or items."""

    __slots__ = ("_d", "_s")

    def __init__(self, d, scenario):
        object.__setattr__(self, "_d", d)
        object.__setattr__(self, "_s", scenario)

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return _wrap(self._d[key], self._s)
        except KeyError:
            raise AttributeError(
                f"no key {key!r} here (keys: {', '.join(self._d) or 'none'}); "
                "setting it adds it"
            ) from None

    def __setattr__(self, key, value):
        self._d[key] = _plain(value)

    def __delattr__(self, key):
        del self._d[key]

    __getitem__ = __getattr__
    __setitem__ = __setattr__
    __delitem__ = __delattr__

    def __contains__(self, key):
        return key in self._d

    def keys(self):
        return self._d.keys()

    def to_dict(self):
        return copy.deepcopy(self._d)

    def __repr__(self):
        return f"Table({self._d!r})"


class Array:
    """An array of tables (``[[services]]``): by position, or by ``name``
    (``family`` for task definitions) as sweep paths name them."""

    __slots__ = ("_l", "_s")

    def __init__(self, items, scenario):
        self._l = items
        self._s = scenario

    def _find(self, key):
        if isinstance(key, int):
            return self._l[key]
        for item in self._l:
            if item.get("name", item.get("family")) == key:
                return item
        names = [str(i.get("name", i.get("family"))) for i in self._l]
        raise KeyError(f"no {key!r} here; there are: {', '.join(names)}")

    def __getitem__(self, key):
        return Table(self._find(key), self._s)

    def __setitem__(self, key, value):
        item = self._find(key)
        item.clear()
        item.update(_plain(value))

    def __len__(self):
        return len(self._l)

    def __iter__(self):
        return (Table(i, self._s) for i in self._l)

    def append(self, table):
        self._l.append(_plain(table))

    def to_list(self):
        return copy.deepcopy(self._l)

    def __repr__(self):
        return f"Array({self._l!r})"


def _plain(value):
    """A value as the table keeps it (a Table or Array set into another is
    copied, not shared)."""
    if isinstance(value, Table):
        return value.to_dict()
    if isinstance(value, Array):
        return value.to_list()
    return copy.deepcopy(value)


class Scenario:
    """A scenario: top-level keys as attributes (``s.duration = "14d"``),
    tables and arrays of tables below them
    (``s.services["web"].desired_count = 12``)."""

    def __init__(self, doc, file, text=None):
        object.__setattr__(self, "_doc", doc)
        object.__setattr__(self, "_file", os.fspath(file))
        # The text as read and its table's JSON: while the table still
        # matches, the text is checked (errors with line and column).
        object.__setattr__(self, "_text", text)
        object.__setattr__(self, "_read", _json(doc, file) if text is not None else None)

    # -- building ---------------------------------------------------------

    @classmethod
    def from_toml(cls, text, file="<toml>"):
        """A scenario from TOML text; ``file`` names it in errors and
        anchors its relative paths (task definition files, traces)."""
        doc = json.loads(_ecsim.parse_toml(file, text))
        s = cls(doc, file, text)
        s.validate()
        return s

    @classmethod
    def from_dict(cls, d, file="<dict>"):
        """A scenario from a dict shaped as the TOML file is."""
        s = cls(json.loads(_json(d, file)), file)
        s.validate()
        return s

    # -- fields -----------------------------------------------------------

    @property
    def file(self):
        return self._file

    def __getattr__(self, key):
        if key.startswith("_"):
            raise AttributeError(key)
        return Table(self._doc, self).__getattr__(key)

    def __setattr__(self, key, value):
        if key.startswith("_") or key == "file":
            raise AttributeError(f"{key} cannot be set")
        self._doc[key] = _plain(value)

    def __delattr__(self, key):
        del self._doc[key]

    def __getitem__(self, key):
        return self.__getattr__(key)

    def __setitem__(self, key, value):
        self.__setattr__(key, value)

    def __contains__(self, key):
        return key in self._doc

    def to_dict(self):
        return copy.deepcopy(self._doc)

    def to_toml(self):
        """The scenario as TOML text (the text as read, while unchanged)."""
        text, doc = self._source()
        return text if text is not None else _ecsim.to_toml(self._file, doc)

    def save(self, path):
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_toml())

    def copy(self):
        c = Scenario(copy.deepcopy(self._doc), self._file)
        object.__setattr__(c, "_text", self._text)
        object.__setattr__(c, "_read", self._read)
        return c

    def _source(self):
        """(text, None) while unchanged, else (None, the table as JSON)."""
        doc = _json(self._doc, self._file)
        if self._text is not None and doc == self._read:
            return self._text, None
        return None, doc

    def validate(self, prices=(), region=None):
        """Checks the scenario as ``ecsim validate`` does; raises
        InputError, else returns a dict of what it holds."""
        text, doc = self._source()
        figures, name, seed, notes = _ecsim.validate(
            self._file, text, doc, [os.fspath(p) for p in prices], region
        )
        _say(notes)
        keys = ("instances", "zones", "task_definitions", "services", "jobs", "duration_s")
        return dict(zip(keys, figures), name=name, seed=seed)

    def __repr__(self):
        return f"Scenario({self._doc.get('name', '?')!r}, file={self._file!r})"


def _say(notes):
    for n in notes:
        warnings.warn(n, Note, stacklevel=3)


def load(path):
    """Reads and checks a scenario file (``ecsim validate PATH``)."""
    path = os.fspath(path)
    return Scenario.from_toml(_ecsim.read_scenario(path), file=path)
