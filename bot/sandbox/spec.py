"""The Telegram Bot API specification as data: request checking and response checking.

The emulator accepts a call only if it would be a valid call to Telegram: a known method, only
known parameters, every required one present, each value of an allowed type (objects checked field
by field, recursively). The same checker verifies every object the emulator returns, so a missing
required field in a fake Message fails the tests rather than a production bot.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

_INTEGER = re.compile(r"^-?\d+$")


class ApiError(Exception):
    """An error in Telegram's format: ``{"ok": false, "error_code", "description"}``."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(frozen=True)
class Field:
    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True)
class MethodSpec:
    name: str
    fields: dict[str, Field]
    returns: tuple[str, ...]


class Spec:
    def __init__(self, data: dict[str, Any]) -> None:
        self.version: str = data["version"]
        self.methods = {
            name.lower(): MethodSpec(
                name,
                {f["name"]: _field(f) for f in method.get("fields", [])},
                tuple(method.get("returns", [])),
            )
            for name, method in data["methods"].items()
        }
        self.types: dict[str, dict[str, Field]] = {
            name: {f["name"]: _field(f) for f in spec.get("fields", [])}
            for name, spec in data["types"].items()
        }
        self.subtypes: dict[str, tuple[str, ...]] = {
            name: tuple(spec["subtypes"])
            for name, spec in data["types"].items()
            if "subtypes" in spec
        }

    def method(self, name: str) -> MethodSpec:
        spec = self.methods.get(name.lower())
        if spec is None:
            raise bad_request(f"method {name!r} is not in the Bot API ({self.version})")
        return spec

    def coerce_call(self, method: MethodSpec, raw: dict[str, Any]) -> dict[str, Any]:
        """Typed parameters for a call, or an ApiError saying what Telegram would reject."""
        unknown = sorted(set(raw) - set(method.fields))
        if unknown:
            raise bad_request(f"unknown parameter {unknown[0]!r} for method {method.name}")
        params: dict[str, Any] = {}
        for field in method.fields.values():
            if field.name not in raw or raw[field.name] is None:
                if field.required:
                    raise bad_request(f"parameter {field.name!r} is required")
                continue
            value, problems = self._coerce(field.types, raw[field.name], field.name)
            if problems:
                raise bad_request(f"wrong parameter {problems[0]}")
            params[field.name] = value
        return params

    def _coerce(self, types: tuple[str, ...], value: Any, path: str) -> tuple[Any, list[str]]:
        """Form values arrive as strings; JSON-encoded objects are decoded before checking."""
        first_problems: list[str] = []
        for type_name in types:
            candidate = value
            if isinstance(value, str) and type_name != "String":
                candidate = _decode_form_value(type_name, value)
            problems = self.problems(type_name, candidate, path)
            if not problems:
                return candidate, []
            first_problems = first_problems or problems
        return value, first_problems

    def problems(self, type_name: str, value: Any, path: str = "") -> list[str]:
        """Why ``value`` is not a valid ``type_name`` (empty when it is)."""
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [f"{path}: expected an array"]
            inner = type_name.removeprefix("Array of ")
            return [
                p
                for i, item in enumerate(value)
                for p in self.problems(inner, item, f"{path}[{i}]")
            ]
        scalar = _SCALAR_CHECKS.get(type_name)
        if scalar is not None:
            return [] if scalar(value) else [f"{path}: expected {type_name}, got {value!r:.40}"]
        if type_name in self.subtypes:
            variants = [self.problems(sub, value, path) for sub in self.subtypes[type_name]]
            return [] if any(not v for v in variants) else _fewest(variants)
        fields = self.types.get(type_name)
        if fields is None:
            return [f"{path}: unknown type {type_name}"]
        if not isinstance(value, dict):
            return [f"{path}: expected an object of type {type_name}"]
        found = [f"{path}.{key}: not a field of {type_name}" for key in value if key not in fields]
        for field in fields.values():
            if field.name not in value:
                if field.required:
                    found.append(f"{path}.{field.name}: required in {type_name}")
                continue
            options = [
                self.problems(t, value[field.name], f"{path}.{field.name}") for t in field.types
            ]
            if all(options):
                found.extend(_fewest(options))
        return found

    def result_problems(self, method: MethodSpec, result: Any) -> list[str]:
        options = [self.problems(t, result, method.name) for t in method.returns]
        return [] if not options or any(not o for o in options) else _fewest(options)


def _fewest(alternatives: list[list[str]]) -> list[str]:
    """The problems of the alternative that came closest to matching."""
    return min(alternatives, key=len)


def _field(data: dict[str, Any]) -> Field:
    return Field(data["name"], tuple(data["types"]), bool(data["required"]))


def _decode_form_value(type_name: str, text: str) -> Any:
    if type_name == "Integer":
        return int(text) if _INTEGER.match(text) else text
    if type_name == "Float":
        try:
            return float(text)
        except ValueError:
            return text
    if type_name == "Boolean":
        return {"true": True, "false": False}.get(text.lower(), text)
    if type_name == "InputFile":
        return text
    try:
        return json.loads(text)
    except ValueError:
        return text


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_SCALAR_CHECKS: dict[str, Callable[[Any], bool]] = {
    "Integer": _is_integer,
    "Float": lambda v: _is_integer(v) or isinstance(v, float),
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
    "True": lambda v: v is True,
    # Uploads arrive as multipart parts; file ids and URLs as strings.
    "InputFile": lambda v: isinstance(v, (str, bytes)),
}


@cache
def load_spec() -> Spec:
    text = resources.files("bot.sandbox").joinpath("telegram-bot-api.json").read_text("utf-8")
    return Spec(json.loads(text))
