"""Lambda Function URL events (payload format 2.0), as Lambda delivers them.

The xpresign handler reads ``GET /?key=...`` (or a JSON body on POST). The
guide's handler reads ``event["object_key"]``, which no front door fills in;
it gets the same event with ``object_key`` added at the top level, the one
field it reads.
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

URL_ID = "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"
DOMAIN = f"{URL_ID}.lambda-url.us-east-1.on.aws"
#: 2026-01-01T00:00:00Z; only its shape matters.
TIME_EPOCH_MS = 1_767_225_600_000
USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"


def request_id(number: int) -> str:
    return f"{number:08x}-6f1c-4d2b-9a7e-0b5c{number:08x}"[:36]


def _event(method: str, number: int, *, query: dict[str, str] | None = None, body: str | None = None) -> dict:
    headers = {
        "accept": "application/json",
        "accept-encoding": "gzip, deflate, br",
        "host": DOMAIN,
        "user-agent": USER_AGENT,
        "x-amzn-trace-id": f"Root=1-67891233-{number:024x}",
        "x-forwarded-for": "203.0.113.7",
        "x-forwarded-port": "443",
        "x-forwarded-proto": "https",
    }
    event: dict = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": urlencode(query or {}, quote_via=quote),
        "headers": headers,
        "requestContext": {
            "accountId": "anonymous",
            "apiId": URL_ID,
            "domainName": DOMAIN,
            "domainPrefix": URL_ID,
            "http": {
                "method": method,
                "path": "/",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": headers["user-agent"],
            },
            "requestId": request_id(number),
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jan/2026:00:00:00 +0000",
            "timeEpoch": TIME_EPOCH_MS + number,
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = dict(query)
    if body is not None:
        headers["content-type"] = "application/json"
        # Function URLs pass text bodies (JSON among them) as they are.
        event["body"] = body
    return event


def get_event(key: str, number: int = 0) -> dict:
    """``GET /?key=...`` for the xpresign handler."""
    return _event("GET", number, query={"key": key})


def guide_event(key: str, number: int = 0) -> dict:
    """The same request for the guide's handler, which reads ``object_key``."""
    return {**get_event(key, number), "object_key": key}


def batch_event(items: list, number: int = 0) -> dict:
    """``POST /`` with ``{"items": [...]}``: one batch request (keys, or item objects)."""
    return _event("POST", number, body=json.dumps({"items": items}))


def response_url(response: object) -> str | None:
    """The URL in an xpresign Function URL response, or None if it failed."""
    if not isinstance(response, dict) or response.get("statusCode") != 200:
        return None
    return json.loads(response["body"]).get("url")
