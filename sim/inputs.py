"""Reading input and reporting bad input, in one wording for every file and argument.

Every failure of a scenario file, experiment file, district file, CLI flag or API argument is
an :class:`InputError` naming the source (a file or an argument), the dotted field and what is
allowed; the CLI prints it and exits with status 2.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError


class InputError(ValueError):
    """Bad input: names the file, the field and what is allowed (exit status 2 at the CLI)."""

    def __init__(self, source: str, field: str, message: str):
        self.source, self.field, self.message = source, field, message
        where = f"{source}: {field}: " if field else f"{source}: "
        super().__init__(where + message)


class InputTypeError(InputError, TypeError):
    """An argument of the wrong type (a Python API call): names the argument and the type."""


def dotted(loc: tuple[Any, ...]) -> str:
    """A pydantic error location as a dotted field (``committee.staff``, ``units.0.kind``).

    A key that holds dots itself (a factor ``"population.residents"``) is quoted.
    """
    parts = [
        f'"{p}"' if "." in str(p) else str(p) for p in loc if not str(p).startswith("function-")
    ]
    return ".".join(parts)


def invalid(
    exc: ValidationError, source: str, model: type[BaseModel] | None = None, allowed: Any = None
) -> InputError:
    """The :class:`InputError` of pydantic's first error, in the one wording of cogov.

    ``model`` suggests the nearest key for an unknown one; ``allowed(field)`` may add the
    allowed range of the field.
    """
    err = exc.errors()[0]
    field = dotted(err["loc"])
    extra = allowed(field) if allowed is not None else ""
    return InputError(source, field, error_message(err, model) + extra)


def _shown(value: Any) -> str:
    """A value as the file spells it (``true``, ``'many'``), cut to a line."""
    text = ("true" if value else "false") if isinstance(value, bool) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _block_of(annotation: Any) -> type[BaseModel] | None:
    """The parameter block inside an annotation (``Block``, ``tuple[Block, ...]``, ``| None``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) is dict:
        return None
    return next((b for b in map(_block_of, get_args(annotation)) if b is not None), None)


def _nearest(loc: tuple[Any, ...], model: type[BaseModel]) -> str:
    """'; did you mean ...?' with the nearest key the block at ``loc`` allows (difflib)."""
    block: type[BaseModel] | None = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = block.model_fields.get(str(part)) if block is not None else None
        block = _block_of(field.annotation) if field is not None else None
    if block is None:
        return ""
    return suggest(str(loc[-1]), [f.alias or name for name, f in block.model_fields.items()])


def suggest(word: str, choices: list[str], listed: str | None = "allowed") -> str:
    """'; did you mean ...?' with the choice nearest ``word`` (difflib), else the choices.

    ``listed`` names the list when nothing is near (``allowed``, ``available``); None: too
    long to list, say nothing.
    """
    close = difflib.get_close_matches(word, choices, n=1)
    if close:
        return f"; did you mean {close[0]!r}?"
    return f"; {listed}: {', '.join(choices)}" if listed is not None else ""


def error_message(err: Any, model: type[BaseModel] | None = None) -> str:
    """A pydantic error in the words the CLI prints (``model``: to suggest a key)."""
    kind, given = err["type"], err.get("input")
    if kind == "value_error":
        return str(err["ctx"]["error"])
    if kind == "extra_forbidden":
        return "unknown key" + (_nearest(err["loc"], model) if model is not None else "")
    if kind == "missing":
        return "required field is missing"
    if kind == "finite_number":
        return "must be a finite number (not nan or inf)"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false, got {_shown(given)}"
    if kind in ("int_type", "int_parsing", "int_from_float", "float_type", "float_parsing"):
        boolean = " (a boolean is not a number)" if isinstance(given, bool) else ""
        return f"{err['msg']}, got {_shown(given)}{boolean}"
    return err["msg"]


def read_toml(path: Path) -> dict[str, Any]:
    """Read a TOML file; every way it can fail becomes an :class:`InputError`."""
    if not path.exists():
        raise InputError(str(path), "", "file not found")
    if path.is_dir():
        raise InputError(str(path), "", "is a directory, expected a .toml file")
    if not path.is_file():
        raise InputError(
            str(path), "", "is not a regular file (a pipe, device or socket); expected a .toml file"
        )
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(str(path), "", f"not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(str(path), "", f"cannot be read: {exc.strerror}") from None
    if not text.strip():
        raise InputError(str(path), "", "the file is empty")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(str(path), "", f"malformed TOML: {exc}") from None


def read_text(path: Path) -> str:
    """A text file's content, or an :class:`InputError` naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(str(path), "", f"cannot be read: {exc}") from None
