"""Interface strings and locale formatting.

Catalogs are ``generator/catalogs/LANG.yaml`` (flat ``key: text``); a language without a
catalog, or a key missing from one, falls back to English. Dates and numbers are
formatted for the language with Babel.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources

from ruamel.yaml import YAML

FALLBACK = "en"


@lru_cache(maxsize=16)
def _read(lang: str) -> dict[str, str]:
    path = resources.files("generator") / "catalogs" / f"{lang}.yaml"
    if not path.is_file():
        return {}
    data = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}


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
