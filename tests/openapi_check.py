"""The OpenAPI contract (docs/openapi.yaml) as a test oracle: does an answer match it?

Read from the document alone, never from the proxy's code, so that it can catch the proxy's
mistakes. Besides what OpenAPI can say (statuses, media types, body schemas, headers), it checks
the few rules the document states in prose because OpenAPI cannot tie a header to a body shape:
the tier's caching headers, and what every problem carries.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCUMENT_PATH = Path(__file__).resolve().parents[1] / "docs" / "openapi.yaml"
PLANNED = "x-engagement-proxy-planned"
NO_ROUTE = "x-engagement-proxy-no-route"
_URI = "urn:engagement-proxy:openapi"
_SIGV4_PREFIX = "AWS4-HMAC-SHA256"
_PROBLEM = "application/problem+json"
_REQUEST_ID_HEADERS = ("x-amzn-requestid", "apigw-requestid")

Entrance = Literal["iam", "token"]


class ContractViolation(AssertionError):
    """An answer the document does not allow; the message says which rule and where."""


@cache
def document() -> dict[str, Any]:
    loaded = yaml.safe_load(DOCUMENT_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@cache
def _registry() -> Registry[Any]:
    resource: Resource[Any] = Resource.from_contents(document(), default_specification=DRAFT202012)
    registry: Registry[Any] = Registry().with_resource(_URI, resource)
    return registry


def documented_routes() -> dict[str, bool]:
    """Each documented path template, and whether the document marks it as planned."""
    return {
        template: bool(item.get(PLANNED, False)) for template, item in document()["paths"].items()
    }


def _route_pattern(template: str) -> re.Pattern[str]:
    # The path parameters of this API hold `/` (contact/uuid, a raw ARN): each takes the rest
    # of the path up to the template's next literal part.
    parts = re.split(r"\{[^}]+\}", template)
    return re.compile("(.+)".join(re.escape(part) for part in parts), re.DOTALL)


def template_for(method: str, path: str) -> str | None:
    """The documented path template a request for `path` takes, or None. The most specific
    template wins: `/engagements/x/pages` is the pages of x, not an engagement named x/pages."""
    templates: list[str] = sorted(
        document()["paths"], key=lambda t: len(re.sub(r"\{[^}]+\}", "", t)), reverse=True
    )
    for template in templates:
        item = document()["paths"][template]
        if method.lower() in item and _route_pattern(template).fullmatch(path):
            return template
    return None


def entrance_of(request_headers: Mapping[str, str]) -> Entrance:
    """Which entrance a request takes (local mode shares one port): a token is any
    Authorization that is not a SigV4 one."""
    authorization = next(
        (value for name, value in request_headers.items() if name.lower() == "authorization"),
        None,
    )
    if authorization is None or authorization.lstrip().startswith(_SIGV4_PREFIX):
        return "iam"
    return "token"


def _headers(headers: Any) -> dict[str, list[str]]:
    """Header values by lower-cased name, repeats kept: from an email Message, a dict of
    values, or a dict of lists of values (Schemathesis')."""
    items: Iterable[tuple[str, Any]] = headers.items()
    collected: dict[str, list[str]] = {}
    for name, value in items:
        values = value if isinstance(value, list | tuple) else [value]
        collected.setdefault(name.lower(), []).extend(str(item) for item in values)
    return collected


def _resolve(node: Mapping[str, Any]) -> tuple[Mapping[str, Any], str]:
    """A Response or Header object, with its `$ref` followed; and its JSON pointer."""
    pointer = ""
    while "$ref" in node:
        pointer = node["$ref"].removeprefix("#")
        target: Any = document()
        for part in pointer.strip("/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node, pointer


def _pointer(*parts: str) -> str:
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def _validate(instance: Any, pointer: str, where: str) -> None:
    """`instance` against the schema at `pointer` in the document (refs resolved within it)."""
    validator = Draft202012Validator(
        {"$ref": f"{_URI}#{pointer}"},
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    errors = sorted(validator.iter_errors(instance), key=lambda error: list(error.path))
    if errors:
        best = errors[0]
        raise ContractViolation(f"{where}: {_describe(best)}")


def _describe(error: ValidationError) -> str:
    location = "/".join(str(part) for part in error.absolute_path) or "(root)"
    message = error.message if len(error.message) < 400 else error.message[:400] + "..."
    return f"at {location}: {message}"


def _header_value(value: str, schema: Mapping[str, Any]) -> Any:
    if schema.get("type") == "integer" and value.isdigit():
        return int(value)
    return value


def assert_matches_contract(
    method: str,
    path_template: str,
    status: int,
    headers: Any,
    body: bytes,
    *,
    entrance: Entrance = "iam",
) -> None:
    """Raise ContractViolation unless the answer is one the document allows for
    `method path_template` from `entrance`."""
    operation = document()["paths"].get(path_template, {}).get(method.lower())
    if operation is None:
        raise ContractViolation(f"{method} {path_template} is not in the contract")
    responses = operation["responses"]
    base = _pointer("paths", path_template, method.lower(), "responses")
    _check_response(f"{method} {path_template}", responses, base, status, headers, body, entrance)


def assert_no_route_matches_contract(
    status: int, headers: Any, body: bytes, *, entrance: Entrance = "iam"
) -> None:
    """Any other method or path: what the document says API Gateway (or the proxy) answers."""
    responses = document()[NO_ROUTE]["responses"]
    base = _pointer(NO_ROUTE, "responses")
    _check_response("no route", responses, base, status, headers, body, entrance)


def assert_answer_matches_contract(
    method: str,
    url: str,
    request_headers: Mapping[str, str],
    status: int,
    headers: Any,
    body: bytes,
) -> None:
    """The answer to a request as a client sent it: its route, entrance and answer."""
    entrance = entrance_of(request_headers)
    raw_path = urlsplit(url).path
    # REST APIs route the path as sent, HTTP APIs once decoded.
    path = unquote(raw_path) if entrance == "token" else raw_path
    template = template_for(method, path)
    if template is None:
        assert_no_route_matches_contract(status, headers, body, entrance=entrance)
    else:
        assert_matches_contract(method, template, status, headers, body, entrance=entrance)


def _check_response(
    where: str,
    responses: Mapping[str, Any],
    base: str,
    status: int,
    headers: Any,
    body: bytes,
    entrance: Entrance,
) -> None:
    declared = responses.get(str(status))
    if declared is None:
        raise ContractViolation(f"{where}: status {status} is not documented")
    response, pointer = _resolve(declared)
    pointer = pointer or f"{base}{_pointer(str(status))}"
    where = f"{where} {status}"
    values = _headers(headers)
    for name, header in response.get("headers", {}).items():
        header_object, header_pointer = _resolve(header)
        header_pointer = header_pointer or f"{pointer}{_pointer('headers', name)}"
        found = values.get(name.lower(), [])
        if header_object.get("required", False) and not found:
            raise ContractViolation(f"{where}: header {name} is required")
        if len(found) > 1:
            raise ContractViolation(f"{where}: header {name} is sent {len(found)} times")
        for value in found:
            _validate(
                _header_value(value, header_object["schema"]),
                f"{header_pointer}/schema",
                f"{where} header {name}",
            )
    content = response.get("content")
    media_type = (values.get("content-type") or [""])[0].split(";")[0].strip().lower()
    if not content:
        if body:
            raise ContractViolation(f"{where}: no body is documented, {len(body)} bytes came")
        return
    if media_type not in content:
        raise ContractViolation(
            f"{where}: Content-Type {media_type or '(none)'} is not one of {sorted(content)}"
        )
    try:
        parsed = json.loads(body)
    except ValueError:
        raise ContractViolation(f"{where}: the body is not JSON") from None
    _validate(parsed, f"{pointer}{_pointer('content', media_type, 'schema')}", f"{where} body")
    _check_prose_rules(where, status, values, media_type, parsed, entrance)


def _check_prose_rules(
    where: str,
    status: int,
    values: Mapping[str, list[str]],
    media_type: str,
    parsed: Any,
    entrance: Entrance,
) -> None:
    """What the document says in words, since OpenAPI cannot tie headers to a body shape."""
    cache_control = next(iter(values.get("cache-control", [])), None)
    if status == 200:
        # Full tier: `no-store` and no ETag; redacted: `private, no-cache` with an ETag.
        full = cache_control == "no-store"
        if full == ("etag" in values):
            raise ContractViolation(
                f"{where}: Cache-Control {cache_control!r} with"
                f"{'' if 'etag' in values else 'out'} an ETag"
            )
        redacted = parsed.get("Redacted") if isinstance(parsed, dict) else None
        if redacted is not None and (redacted == []) != full:
            raise ContractViolation(
                f"{where}: Redacted {redacted!r} under Cache-Control {cache_control!r}"
            )
        return
    if media_type == _PROBLEM:
        if cache_control != "no-store":
            raise ContractViolation(f"{where}: a problem with Cache-Control {cache_control!r}")
        if status in (429, 503) and "retry-after" not in values:
            raise ContractViolation(f"{where}: a {status} problem without Retry-After")
        request_ids = [values[name][0] for name in _REQUEST_ID_HEADERS if name in values]
        if request_ids and parsed.get("instance") not in request_ids:
            raise ContractViolation(f"{where}: instance is not the request id {request_ids}")
    elif entrance == "iam":
        raise ContractViolation(
            f"{where}: the IAM entrance answers errors as problems, not {media_type}"
        )
