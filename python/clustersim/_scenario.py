"""Scenarios from what a notebook has at hand: a file path, YAML text, or a dict."""
import datetime
import json
import math
import os
import re
from collections.abc import Mapping

import numpy as np

from . import _core

# Plain YAML scalars that read back as the same text inside flow and block collections.
_PLAIN = re.compile(r"^[\w.+\-/]+$")
# One line that starts like a mapping ("key: value") or a flow mapping ("{...}").
_TEXT_LIKE = re.compile(r"^\s*(\{|[\w.\-]+\s*:(\s|$))")


def _scalar(value, *, top=False):
    """One value as YAML text; strings are written plain when that is safe, quoted otherwise,
    except at the top of a set= value, where a string is read as YAML (as with --set)."""
    if isinstance(value, np.generic):
        value = value.item()
    if value is None:
        return "" if top else "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if isinstance(value, str):
        if top or _PLAIN.match(value):
            return value
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        items = ", ".join(f"{_key(k)}: {_scalar(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, (list, tuple, np.ndarray)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    raise TypeError(f"cannot write a {type(value).__name__} as a scenario value: {value!r}")


def _key(key):
    if isinstance(key, (int, np.integer)) and not isinstance(key, bool):
        return str(int(key))
    if isinstance(key, (datetime.date, datetime.datetime)):
        return _scalar(key)
    if not isinstance(key, str):
        raise TypeError(f"scenario keys must be text, dates or years, found {key!r}")
    return key if _PLAIN.match(key) else json.dumps(key, ensure_ascii=False)


def dict_to_yaml(scenario):
    """A (nested) dict as block-style YAML, one key per line."""
    lines = []

    def emit(mapping, indent):
        for key, value in mapping.items():
            prefix = " " * indent + _key(key) + ":"
            if isinstance(value, Mapping) and value:
                lines.append(prefix)
                emit(value, indent + 2)
            else:
                text = _scalar(value)
                lines.append(prefix + (" " + text if text else ""))

    emit(scenario, 0)
    return "\n".join(lines) + "\n"


def overrides(set=None, replicates=None, seed=None):
    """--set assignments: ``set`` as a mapping {dotted key: value} or an iterable of "key=value"
    strings, then the replicates and seed, as the command line orders them."""
    out = []
    if set is None:
        pass
    elif isinstance(set, Mapping):
        for key, value in set.items():
            if not isinstance(key, str):
                raise TypeError(f"set= keys are dotted setting paths (text), found {key!r}")
            out.append(f"{key}={_scalar(value, top=True)}")
    elif isinstance(set, str):
        out.append(set)
    else:
        out.extend(str(item) for item in set)
    if replicates is not None:
        out.append(f"run.replicates={int(replicates)}")
    if seed is not None:
        out.append(f"run.seed={int(seed)}")
    return out


def looks_like_text(source):
    return "\n" in source or bool(_TEXT_LIKE.match(source))


def resolve(scenario, set=None, replicates=None, seed=None):
    """A validated engine scenario from a path, YAML text, a dict, or a Scenario.

    A str is YAML text when it spans several lines or starts like a mapping (``key: value`` or
    ``{``); otherwise it is a path. Relative paths in text and dicts (``extends``, data files)
    are taken from the current directory.
    """
    assignments = overrides(set, replicates, seed)
    if isinstance(scenario, _core.Scenario):
        if not assignments:
            return scenario
        return _core.Scenario.from_text(scenario.resolved_yaml, f"<{scenario.name}>", assignments)
    if isinstance(scenario, os.PathLike):
        return _core.Scenario.load(os.fspath(scenario), assignments)
    if isinstance(scenario, str):
        if looks_like_text(scenario):
            return _core.Scenario.from_text(scenario, "<string>", assignments)
        return _core.Scenario.load(scenario, assignments)
    if isinstance(scenario, Mapping):
        return _core.Scenario.from_text(dict_to_yaml(scenario), "<dict>", assignments)
    raise TypeError("a scenario is a path, YAML text, a dict or a clustersim Scenario, not "
                    f"{type(scenario).__name__}")


def validate(scenario, set=None, *, replicates=None, seed=None):
    """Loads and checks a scenario without running it, as ``clustersim validate`` does.

    Returns the resolved :class:`clustersim.Scenario` (name, clusters, calendar, replicates,
    seed, ``resolved_yaml``); raises :class:`clustersim.ScenarioError` for bad input.
    """
    resolved = resolve(scenario, set, replicates, seed)
    resolved.check_fits()
    return resolved
