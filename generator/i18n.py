"""Interface strings and locale formatting.

Catalogs are ``generator/catalogs/LANG.yaml`` (flat ``key: text``); a language without a
catalog, or a key missing from one, falls back to English. Dates and numbers are
formatted for the language with Babel.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from ruamel.yaml import YAML

FALLBACK = "en"


@lru_cache(maxsize=16)
def _read(lang: str) -> dict[str, str]:
    path = resources.files("generator") / "catalogs" / f"{lang}.yaml"
    if not path.is_file():
        return {}
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


def has_catalog(lang: str) -> bool:
    """True when ``lang`` has an interface catalogue of its own (English always has)."""
    base = lang.split("-")[0].lower()
    return base == FALLBACK or bool(_read(base))


def catalog(lang: str) -> dict[str, str]:
    """Every interface string in ``lang`` (English where the catalog lacks one)."""
    merged = dict(_read(FALLBACK))
    merged.update(_read(lang.split("-")[0].lower()))
    return merged


@lru_cache(maxsize=16)
def _locale(lang: str) -> str:
    from babel import Locale, UnknownLocaleError

    # A ministry in an English-speaking Commonwealth style writes "27 November 2026".
    code = "en_GB" if lang == "en" else lang.replace("-", "_")
    try:
        Locale.parse(code)
        return code
    except (ValueError, UnknownLocaleError):
        return FALLBACK


def format_date(iso: str, lang: str) -> str:
    """``2026-11-27`` -> ``27 November 2026`` (or the language's long form)."""
    from babel.dates import format_date as babel_date

    return babel_date(dt.date.fromisoformat(iso), format="long", locale=_locale(lang))


def format_number(value: float, lang: str) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_locale(lang))


# --------------------------------------------------------------------------------------
# Formatting interface strings
# --------------------------------------------------------------------------------------

#: The widest field and the longest precision a label may ask for (``{n:>8}``,
#: ``{x:.2f}``): enough for any layout, far from an allocation that hurts.
MAX_FIELD_WIDTH = 200
MAX_PRECISION = 50
# Python's format-spec mini-language: [[fill]align][sign][z][#][0][width][group][.prec][type]
_FORMAT_SPEC = re.compile(
    r"(?:.?[<>=^])?[+\- ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d+))?"
    r"[bcdeEfFgGnosxX%]?", re.DOTALL)
_PLAIN_FIELD = re.compile(r"\w*")


class UnsafeFormat(ValueError):
    """A format string asked for more than a plain field: attribute or index access
    (``{x.__class__}``, ``{x[0]}``), a conversion (``{x!r}``) or a huge width."""


class LabelFormatter(string.Formatter):
    """``str.format`` for strings a template may supply (interface labels, and any
    ``"...".format(...)`` inside the brief templates).

    Only plain fields are filled: ``{name}``, ``{0}``, ``{}``, with a format spec whose
    width and precision are bounded. Plain ``str.format`` would walk attributes
    (``{x.__init__.__globals__}``) past the Jinja sandbox, which never sees them.
    Values other than numbers are formatted as their text, so no object's own
    ``__format__`` is reached with a template's spec.
    """

    def get_field(self, field_name: str, args: Sequence[Any],
                  kwargs: Mapping[str, Any]) -> tuple[Any, Any]:
        if not _PLAIN_FIELD.fullmatch(field_name):
            raise UnsafeFormat(f"`{{{_excerpt(field_name)}}}`: only plain {{name}} fields "
                               "may be formatted (no attributes, indexes or calls)")
        return super().get_field(field_name, args, kwargs)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion is not None:
            raise UnsafeFormat(f"`!{_excerpt(conversion)}`: conversions are not allowed "
                               "in a formatted string")
        return value

    def format_field(self, value: Any, format_spec: str) -> Any:
        match = _FORMAT_SPEC.fullmatch(format_spec)
        if match is None:
            raise UnsafeFormat(f"format spec `{_excerpt(format_spec)}` is not allowed")
        width, precision = match["width"], match["precision"]
        if (width and int(width) > MAX_FIELD_WIDTH) or (
                precision and int(precision) > MAX_PRECISION):
            raise UnsafeFormat(f"format spec `{_excerpt(format_spec)}` is too wide (at most "
                               f"{MAX_FIELD_WIDTH} wide, {MAX_PRECISION} digits)")
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            value = str(value)
        return format(value, format_spec)


def _excerpt(text: str, size: int = 40) -> str:
    return text if len(text) <= size else text[:size] + "…"


_LABEL_FORMATTER = LabelFormatter()


def format_label(text: str, *args: Any, **values: Any) -> str:
    """``text`` with its plain ``{fields}`` filled (see :class:`LabelFormatter`)."""
    return _LABEL_FORMATTER.vformat(text, args, values)
