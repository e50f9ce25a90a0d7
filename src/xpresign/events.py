"""Typed, read-only views over the Lambda events xpresign serves.

As in aws-lambda-powertools: each front door gets a small class over the raw
event dict, exposing what the handler needs (method, headers, query, body) and
knowing how to shape its response. The Function URL event is a variant of the
HTTP API (v2) event: the same payload format, told apart by its domain name.

Nothing here trusts the event's shape: a field of the wrong type reads as
absent, so malformed events end as a clean 400, never an exception.

A GET's query string becomes a request object here too (:func:`query_request`),
by the field list of :mod:`xpresign.fields`; ``xpresign serve`` presents its
requests through the same interface (method, path, headers, query, body).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType

from .checks import Invalid, boolean, excerpt
from .errors import InvalidParameter, InvalidRequest, PayloadTooLarge
from .expiry import validate_expires_in
from .fields import QUERY_FIELDS

#: Largest request body read, in bytes. A full batch at the default limit
#: (1,000 items with typical keys) is ~150 kB; Lambda itself stops at 6 MB.
MAX_BODY_BYTES = 2 * 1024 * 1024
#: Query parameters read at most from a raw query string (the API knows a handful).
MAX_QUERY_FIELDS = 32
NOT_UTF8 = "the query string is not UTF-8 (percent-decoded or not)"


_EMPTY: Mapping = MappingProxyType({})


def _dict(value: object) -> Mapping:
    # type() and None first: an isinstance check against the Mapping ABC costs
    # ~10x more, and events hold plain dicts or leave the field out.
    if type(value) is dict:
        return value
    return _EMPTY if value is None or not isinstance(value, Mapping) else value


def _str(value: object) -> str | None:
    return value if type(value) is str else None


def _strings(value: object) -> dict[str, str]:
    """A mapping's string entries: the others read as absent."""
    strings = {}
    for k, v in _dict(value).items():  # a loop, not a comprehension: no frame of its own (3.11)
        if type(k) is str and type(v) is str:
            strings[k] = v
    return strings


def parse_query(raw: str) -> dict[str, str]:
    """A raw query string's parameters, the last of repeated names winning
    (as REST APIs and ALB give them); a 400 for one that is not UTF-8."""
    from urllib.parse import parse_qsl  # noqa: PLC0415 - not on a plain GET's path

    try:
        pairs = parse_qsl(raw, keep_blank_values=True, errors="strict", max_num_fields=MAX_QUERY_FIELDS)
    except UnicodeDecodeError:
        raise InvalidRequest(NOT_UTF8) from None
    except ValueError:
        raise InvalidRequest(f"the query string has more than {MAX_QUERY_FIELDS} parameters") from None
    return dict(pairs)


class HttpEvent:
    """Common ground of the HTTP front doors."""

    front_door = "http"
    #: REST APIs, Function URLs and ALB pass the path as the client sent it,
    #: percent-encoded; HTTP APIs decode it first.
    path_decoded = False

    def __init__(self, raw: Mapping, request_context: Mapping | None = None):
        self.raw = raw
        #: ``requestContext``, read once: method, caller and request id all live in it.
        self.request_context = _dict(raw.get("requestContext")) if request_context is None else request_context

    @property
    def method(self) -> str:
        return (_str(self.raw.get("httpMethod")) or "").upper()

    @property
    def path(self) -> str:
        return _str(self.raw.get("path")) or "/"

    @cached_property
    def headers(self) -> dict[str, str]:
        """Header names lower-cased; non-string values dropped."""
        return {k.lower(): v for k, v in _dict(self.raw.get("headers")).items() if type(k) is str and type(v) is str}

    @property
    def query(self) -> dict[str, str]:
        return _strings(self.raw.get("queryStringParameters"))

    @property
    def request_id(self) -> str | None:
        return _str(self.request_context.get("requestId"))

    @property
    def caller(self) -> str | None:
        """Who called, when the front door authenticated them (IAM auth)."""
        return None

    def body(self) -> bytes | None:
        """The raw body, base64-decoded when the event says so."""
        body = self.raw.get("body")
        if body is None or body == "":
            return None
        if not isinstance(body, str):
            raise InvalidRequest(f"event body must be a string, got {excerpt(body)}")
        if len(body) > MAX_BODY_BYTES * 4 // 3 + 4:
            raise PayloadTooLarge(f"request body exceeds {MAX_BODY_BYTES} bytes")
        if self.raw.get("isBase64Encoded") is True:
            # Loaded by the first encoded body: a cold start that answers a GET skips them.
            import base64  # noqa: PLC0415
            import binascii  # noqa: PLC0415

            try:
                data = base64.b64decode(body, validate=True)
            except (binascii.Error, ValueError):
                raise InvalidRequest("request body is marked base64-encoded but is not valid base64") from None
        else:
            try:
                data = body.encode("utf-8")
            except UnicodeEncodeError:
                raise InvalidRequest("request body is not valid Unicode") from None
        if len(data) > MAX_BODY_BYTES:
            raise PayloadTooLarge(f"request body exceeds {MAX_BODY_BYTES} bytes")
        return data

    def response(self, status: int, headers: dict[str, str], body: str) -> dict:
        return {"statusCode": status, "headers": headers, "body": body, "isBase64Encoded": False}


class RestApiEvent(HttpEvent):
    """API Gateway REST API, Lambda proxy integration (payload format 1.0)."""

    front_door = "rest-api"

    @property
    def path_decoded(self) -> bool:
        return self.raw.get("version") == "1.0"  # an HTTP API's payload 1.0, not a REST API's

    @property
    def caller(self) -> str | None:
        identity = _dict(self.request_context.get("identity"))
        return _str(identity.get("userArn")) or _str(identity.get("accountId"))


class HttpApiEvent(HttpEvent):
    """API Gateway HTTP API, payload format 2.0."""

    front_door = "http-api"
    path_decoded = True

    @property
    def method(self) -> str:
        http = _dict(self.request_context.get("http"))
        return (_str(http.get("method")) or "").upper()

    @property
    def path(self) -> str:
        return _str(self.raw.get("rawPath")) or "/"

    @property
    def query(self) -> dict[str, str]:
        query = _strings(self.raw.get("queryStringParameters"))
        for value in query.values():
            if "," in value:
                # Payload 2.0 joins a repeated parameter's values with commas;
                # the raw string tells that from a comma of the value's own.
                raw = _str(self.raw.get("rawQueryString"))
                return parse_query(raw) if raw else query
        return query

    @cached_property
    def headers(self) -> dict[str, str]:
        headers = HttpEvent.headers.func(self)
        cookies = self.raw.get("cookies")
        if isinstance(cookies, list) and "cookie" not in headers:
            headers["cookie"] = "; ".join(c for c in cookies if isinstance(c, str))
        return headers

    @property
    def caller(self) -> str | None:
        authorizer = self.request_context.get("authorizer")
        if authorizer is None:  # no IAM auth: the common case, answered first
            return None
        iam = _dict(_dict(authorizer).get("iam"))
        return _str(iam.get("userArn")) or _str(iam.get("accountId"))


class FunctionUrlEvent(HttpApiEvent):
    """Lambda Function URL: the HTTP API 2.0 format on a ``*.lambda-url.*`` domain."""

    front_door = "function-url"
    path_decoded = False


class AlbEvent(HttpEvent):
    """Application Load Balancer target. With multi-value headers enabled on the
    target group, requests and responses use the ``multiValue*`` fields."""

    front_door = "alb"

    @property
    def multi_value(self) -> bool:
        return isinstance(self.raw.get("multiValueHeaders"), Mapping)

    @cached_property
    def headers(self) -> dict[str, str]:
        if not self.multi_value:
            return HttpEvent.headers.func(self)
        return {
            k.lower(): v[-1]
            for k, v in self.raw["multiValueHeaders"].items()
            if isinstance(k, str) and isinstance(v, list) and v and isinstance(v[-1], str)
        }

    @property
    def query(self) -> dict[str, str]:
        from urllib.parse import unquote_plus  # noqa: PLC0415 - ALB only

        # ALB passes query parameters still percent-encoded, unlike API Gateway.
        if self.multi_value:
            raw = {
                k: v[-1]
                for k, v in _dict(self.raw.get("multiValueQueryStringParameters")).items()
                if isinstance(k, str) and isinstance(v, list) and v and isinstance(v[-1], str)
            }
        else:
            raw = super().query
        try:
            return {unquote_plus(k, errors="strict"): unquote_plus(v, errors="strict") for k, v in raw.items()}
        except UnicodeDecodeError:
            raise InvalidRequest(NOT_UTF8) from None

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-amzn-trace-id")

    def response(self, status: int, headers: dict[str, str], body: str) -> dict:
        from http import HTTPStatus  # noqa: PLC0415 - ALB only; its enums cost ~0.6 ms of a cold start

        try:
            description = f"{status} {HTTPStatus(status).phrase}"
        except ValueError:
            description = str(status)
        response = {"statusCode": status, "statusDescription": description, "body": body, "isBase64Encoded": False}
        if self.multi_value:
            response["multiValueHeaders"] = {k: [v] for k, v in headers.items()}
        else:
            response["headers"] = headers
        return response


def parse_event(event: object) -> HttpEvent | None:
    """The HTTP view of ``event``, or None for a direct invocation."""
    if type(event) is not dict and not isinstance(event, Mapping):
        return None
    context = _dict(event.get("requestContext"))
    if "elb" in context:
        return AlbEvent(event, context)
    if event.get("version") == "2.0" and _dict(context.get("http")) is not _EMPTY:
        domain = _str(context.get("domainName")) or ""
        return FunctionUrlEvent(event, context) if ".lambda-url." in domain else HttpApiEvent(event, context)
    if "httpMethod" in event and context:
        return RestApiEvent(event, context)
    return None


def query_request(query: Mapping[str, str]) -> dict:
    """A GET's query string as a request object (one key per GET)."""
    request: dict = {}
    for name, value in query.items():
        kind = QUERY_FIELDS.get(name)
        if kind is None:
            raise InvalidRequest(f"unknown query parameter {excerpt(name)}; parameters are {', '.join(QUERY_FIELDS)}")
        try:
            if kind == "seconds":
                request[name] = validate_expires_in(value, name, text=True)
            elif kind == "flag":
                request[name] = boolean(value)
            else:
                request[name] = value
        except Invalid as exc:
            raise InvalidParameter(f"{name} {exc}") from None
    return request
