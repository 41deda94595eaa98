"""The Jinja sandbox the brief templates run in, with every resource a template can ask
for bounded.

Jinja's :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` already refuses
attributes starting with ``_``, Python internals and changes to lists and dicts. Two doors
stay open in it and are closed here:

- *Formatting.* ``str.format`` walks attributes itself (``{x.__class__}``), out of the
  sandbox's sight. Every format string a template can reach (``"...".format``,
  ``Markup.format``, ``label()``) is filled by :class:`generator.i18n.LabelFormatter`:
  plain fields only, bounded widths. The ``%`` operator and the ``format`` filter get
  bounded widths too.
- *Size.* ``("A"*100000)*30000``, ``10**10**10``, ``"x"|center(3000000000)`` ask Python
  for gigabytes in one expression. Such requests are refused before they allocate; the
  results of ``+`` and ``~`` are checked, and so is the rendered page as it is produced.

Each refusal is a :class:`TemplateLimit`, which the renderer reports as a one-line error
with the template's file and line.
"""

from __future__ import annotations

import math
import re
import types
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from functools import update_wrapper
from typing import Any

import jinja2.nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import Context
from jinja2.sandbox import MAX_RANGE, ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from generator.i18n import MAX_FIELD_WIDTH, MAX_PRECISION, LabelFormatter, UnsafeFormat

#: The longest string or list (characters or items) one template expression may make.
MAX_SEQUENCE = 10_000_000
#: The most HTML one brief template may produce (characters): far above the largest
#: brief of the scale benchmark (100x: 1,400 pages, about 5 MB of HTML).
MAX_TEMPLATE_OUTPUT = 64 * 1024 * 1024
#: The largest integer ``**`` may make, in bits.
MAX_POWER_BITS = 4096
#: The longest ``range()`` (Jinja's own bound, restated here so the limits are in one place).
MAX_RANGE_ITEMS = MAX_RANGE

# printf-style conversions of ``%`` and the ``format`` filter: %[(key)][flags][width][.prec]
_PRINTF = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?[a-zA-Z%]")
# str methods whose integer arguments are output sizes.
_SIZED_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
# Filters whose arguments are output sizes or counts of things made (see _precheck).
_SIZED_FILTERS = ("center", "indent", "batch", "slice", "wordwrap", "truncate", "replace",
                  "join")


class TemplateLimit(SecurityError):
    """A template asked for more than the sandbox allows (size, format, output)."""


def _sized(value: Any) -> int | None:
    return len(value) if isinstance(value, str | list | tuple | bytes) else None


def check_size(value: Any, what: str = "a value") -> Any:
    size = _sized(value)
    if size is not None and size > MAX_SEQUENCE:
        raise TemplateLimit(f"{what} of {size:,} characters or items is larger than the "
                            f"sandbox allows ({MAX_SEQUENCE:,})")
    return value


def _printed_size(value: Any, budget: int) -> int:
    """How many characters printing ``value`` makes, counted only up to just past
    ``budget`` (a list of ten million references to one long string would take
    gigabytes to print, and as many to measure by printing it)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, list | tuple | set | frozenset | dict):
        total = 2
        for item in (value.items() if isinstance(value, dict) else value):
            total += 2 + _printed_size(item, budget - total)
            if total > budget:
                break
        return total
    return len(str(value)) if isinstance(value, int | float) or value is None else 0


def _too_much_output(limit: int) -> str:
    return (f"the brief template produced more than {limit:,} characters of HTML (the "
            "limit of one brief; `limits: {template_output: N}` in content/briefing.yaml "
            "sets it)")


def _check_printf(text: str) -> None:
    for match in _PRINTF.finditer(text):
        width, precision = match[1], match[2]
        if "*" in (width, precision):
            raise TemplateLimit("`*` widths are not allowed in a formatted string")
        if (width and int(width) > MAX_FIELD_WIDTH) or (
                precision and int(precision) > MAX_PRECISION):
            raise TemplateLimit(f"`{match[0][:40]}` is too wide (at most {MAX_FIELD_WIDTH} "
                                f"wide, {MAX_PRECISION} digits)")


class _EscapeLabelFormatter(LabelFormatter):
    """:class:`LabelFormatter` for ``Markup.format``: values are escaped unless safe."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        safe = hasattr(value, "__html__")
        text = super().format_field(str(value.__html__()) if safe else value, format_spec)
        return text if safe else Markup.escape(text)


def _bounded_ints(name: str, args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_SEQUENCE:
            raise TemplateLimit(f"`{name}` with {value:,}: larger than the sandbox allows "
                                f"({MAX_SEQUENCE:,})")


def _joined_size(items: Sequence[Any], separator: str) -> int:
    return sum(len(str(item)) for item in items) + len(separator) * max(len(items) - 1, 0)


def _replaced_size(text: str, old: str, new: str, count: int = -1) -> int:
    found = len(text) + 1 if not old else text.count(old)
    if count >= 0:
        found = min(found, count)
    return len(text) + found * (len(new) - len(old))


def _precheck(name: str, value: Any, args: list[Any], kwargs: dict[str, Any]) -> None:
    """Refuse a filter call whose result would pass :data:`MAX_SEQUENCE`, before it runs."""
    if name == "replace" and len(args) >= 2:
        count = args[2] if len(args) > 2 else kwargs.get("count")
        size = _replaced_size(str(value), str(args[0]), str(args[1]),
                              count if isinstance(count, int) else -1)
    elif name == "join":
        separator = args[0] if args else kwargs.get("d", "")
        size = _joined_size(value, str(separator)) if isinstance(value, list | tuple) else 0
    elif name == "indent":
        width = args[0] if args else kwargs.get("width", 4)
        step = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        size = len(str(value)) + step * (str(value).count("\n") + 1)
    else:
        _bounded_ints(name, args, kwargs)
        return
    if size > MAX_SEQUENCE:
        raise TemplateLimit(f"`{name}` would make a string of {size:,} characters; the "
                            f"sandbox allows {MAX_SEQUENCE:,}")


class _BoundedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` so that its result is checked against :data:`MAX_SEQUENCE`
    (repeated ``~`` in a loop would otherwise double a string without limit)."""

    def visit_Concat(self, node: jinja2.nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked_concat(")
        super().visit_Concat(node, frame)
        self.write(")")


class BriefSandbox(ImmutableSandboxedEnvironment):
    """The environment of the brief templates (see the module's docstring)."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in _SIZED_FILTERS:
            self.filters[name] = self._sized_filter(name, self.filters[name])
        self.filters["format"] = self._format_filter
        # lipsum(n) writes n paragraphs of filler: no use in a brief, unbounded in size.
        self.globals.pop("lipsum", None)
        # Every `{{ ... }}` passes through finalize: counted there, an oversized page is
        # stopped inside the template, so the error names the line that wrote it.
        self.finalize = self._counted
        self.output_size = 0
        # the project's `limits: {template_output: N}`; None: MAX_TEMPLATE_OUTPUT
        self.max_output: int | None = None

    @property
    def output_limit(self) -> int:
        return MAX_TEMPLATE_OUTPUT if self.max_output is None else self.max_output

    def _counted(self, value: Any) -> Any:
        # output_size is what bounded_render has received so far.
        budget = self.output_limit - self.output_size
        if _printed_size(value, budget) > budget:
            raise TemplateLimit(_too_much_output(self.output_limit))
        return value

    # -- formatting ------------------------------------------------------------------------

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        if not isinstance(value, types.MethodType | types.BuiltinMethodType) or \
                value.__name__ not in ("format", "format_map"):
            return None
        text: Any = value.__self__
        if not isinstance(text, str):
            return None
        formatter = _EscapeLabelFormatter() if isinstance(text, Markup) else LabelFormatter()
        result_type: type[str] = type(text)
        is_map = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if is_map:
                if kwargs or len(args) != 1:
                    raise TypeError("format_map() takes exactly one mapping")
                return result_type(formatter.vformat(text, (), args[0]))
            return result_type(formatter.vformat(text, args, kwargs))

        return update_wrapper(wrapper, value)

    def _format_filter(self, value: Any, *args: Any, **kwargs: Any) -> str:
        if args and kwargs:
            raise TemplateLimit("the format filter takes positional or keyword values, "
                                "not both")
        text = value if isinstance(value, str) else str(value)  # Markup stays Markup
        _check_printf(text)
        return check_size(text % (kwargs or args), "a formatted string")

    # -- sizes -----------------------------------------------------------------------------

    def _sized_filter(self, name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function`` with its arguments checked before it runs (see :func:`_precheck`)."""
        # Filters that take the environment or eval context get it as their first argument.
        skip = 1 if hasattr(function, "jinja_pass_arg") else 0

        def guarded(*args: Any, **kwargs: Any) -> Any:
            if len(args) > skip:
                value, rest = args[skip], list(args[skip + 1:])
                if name == "join" and not isinstance(value, str | list | tuple):
                    value = list(value)  # measured before joining
                    args = (*args[:skip], value, *rest)
                _precheck(name, value, rest, kwargs)
            return check_size(function(*args, **kwargs), f"the result of `{name}`")

        return update_wrapper(guarded, function)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sequence, times in ((left, right), (right, left)):
                size = _sized(sequence)
                if size is not None and isinstance(times, int) and size * times > MAX_SEQUENCE:
                    raise TemplateLimit(f"`*` would make {size * times:,} characters or "
                                        f"items; the sandbox allows {MAX_SEQUENCE:,}")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and \
                    right > 0 and right * math.log2(abs(left)) > MAX_POWER_BITS:
                raise TemplateLimit(f"`**` would make a number of more than {MAX_POWER_BITS} "
                                    "bits")
        elif operator == "%" and isinstance(left, str):
            _check_printf(left)
        elif operator == "+":
            sizes = (_sized(left), _sized(right))
            if sizes[0] is not None and sizes[1] is not None and \
                    sizes[0] + sizes[1] > MAX_SEQUENCE:
                raise TemplateLimit(f"`+` would make {sizes[0] + sizes[1]:,} characters or "
                                    f"items; the sandbox allows {MAX_SEQUENCE:,}")
        return check_size(super().call_binop(context, operator, left, right),
                          f"the result of `{operator}`")

    def checked_concat(self, value: Any) -> Any:
        return check_size(value, "the result of `~`")

    def call(__self, __context: Context, __obj: Any, *args: Any,
             **kwargs: Any) -> Any:
        # Method calls on strings that take an output size or build a string from others.
        # (Markup's methods are Python functions wrapping str's: bound methods too.)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and isinstance(__obj, types.BuiltinMethodType
                                                 | types.MethodType):
            name = __obj.__name__
            if name in _SIZED_METHODS:
                _bounded_ints(name, args, kwargs)
            elif name == "join" and args:
                if not isinstance(args[0], list | tuple):
                    args = (list(args[0]), *args[1:])  # measured before joining
                if _joined_size(args[0], owner) > MAX_SEQUENCE:
                    raise TemplateLimit("`join` would make a string larger than the sandbox "
                                        f"allows ({MAX_SEQUENCE:,} characters)")
            elif name == "replace" and len(args) >= 2:
                count = args[2] if len(args) > 2 else kwargs.get("count", -1)
                if _replaced_size(owner, str(args[0]), str(args[1]), count) > MAX_SEQUENCE:
                    raise TemplateLimit("`replace` would make a string larger than the "
                                        f"sandbox allows ({MAX_SEQUENCE:,} characters)")
        result = super().call(__context, __obj, *args, **kwargs)
        # A string method's result is bounded like an operator's; a macro's output is
        # bounded as page output (finalize), like the rest of the page.
        return check_size(result, "a call's result") if isinstance(owner, str) else result


def bounded_render(chunks: Iterator[str], env: BriefSandbox | None = None) -> str:
    """The rendered template, stopped with :class:`TemplateLimit` once it passes
    :data:`MAX_TEMPLATE_OUTPUT` characters (or ``env``'s own limit), before the whole page
    is held.

    With the template's ``env``, an expression that would pass the limit is stopped
    inside the template (naming its line); text between expressions is stopped here, by
    an error thrown into the template's generator (naming the outermost template)."""
    limit = env.output_limit if env is not None else MAX_TEMPLATE_OUTPUT
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if env is not None:
            env.output_size = size
        if size > limit:
            error = TemplateLimit(_too_much_output(limit))
            if isinstance(chunks, Generator):
                chunks.throw(error)
            raise error
        out.append(chunk)
    return "".join(out)


__all__ = ["MAX_SEQUENCE", "MAX_TEMPLATE_OUTPUT", "BriefSandbox", "TemplateLimit",
           "UnsafeFormat", "bounded_render", "check_size"]
