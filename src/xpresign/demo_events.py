"""Events as Lambda delivers them, for the demo: a Function URL request with IAM auth."""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Mapping
from types import SimpleNamespace

from .emulator import ACCOUNT_B

FUNCTION_NAME = "xpresign-presigner"
FUNCTION_URL_ID = "demo4xpresign7url5id3abcdefgh"
#: Who calls the Function URL (IAM auth): an application in account B.
CALLER_ARN = f"arn:aws:iam::{ACCOUNT_B}:user/catalogue-app"


def function_url_event(
    method: str, *, body: object = None, query: Mapping[str, str] | None = None, request_id: str
) -> dict:
    """A Function URL event (payload format 2.0) with IAM auth, as Lambda sends it."""
    domain = f"{FUNCTION_URL_ID}.lambda-url.us-east-1.on.aws"
    now = time.time()
    query = dict(query or {})
    event = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": "/",
        "rawQueryString": urllib.parse.urlencode(query),
        "headers": {
            "host": domain,
            "content-type": "application/json",
            "user-agent": "catalogue-app/1.0",
            "x-amz-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)),
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": ACCOUNT_B,
            "apiId": FUNCTION_URL_ID,
            "authorizer": {
                "iam": {
                    "accessKey": "AKIADEMOCALLER000001",
                    "accountId": ACCOUNT_B,
                    "callerId": "AIDADEMOCALLER000001",
                    "cognitoIdentity": None,
                    "principalOrgId": None,
                    "userArn": CALLER_ARN,
                    "userId": "AIDADEMOCALLER000001",
                }
            },
            "domainName": domain,
            "domainPrefix": FUNCTION_URL_ID,
            "http": {
                "method": method,
                "path": "/",
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "catalogue-app/1.0",
            },
            "requestId": request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": False,
    }
    if query:
        event["queryStringParameters"] = query
    if body is not None:
        # Function URLs base64-encode bodies they do not recognise as text.
        event["body"] = base64.b64encode(json.dumps(body).encode()).decode("ascii")
        event["isBase64Encoded"] = True
    return event


def lambda_context(request_id: str) -> SimpleNamespace:
    return SimpleNamespace(aws_request_id=request_id, function_name=FUNCTION_NAME)
