"""awscrt, AWS's C signer (the CRT), as a contender: ``aws_sign_request`` with
the settings S3 presigning needs, as ``tests/support/awscrt_oracle.py`` uses it.

The CRT writes the query parameters in its own order, so its URLs are checked
against xpresign's parameter by parameter (the signature among them), not byte
for byte.
"""

from __future__ import annotations

import datetime
from urllib.parse import quote

from awscrt import auth, http

from xpresign.s3 import BucketEndpoint
from xpresign.values import Credentials

from .signing_inputs import EXPIRES_IN, REGION


def signing_config(credentials: Credentials, epoch_seconds: float | None = None, expires_in: int = EXPIRES_IN):
    """A query-string SigV4 config for S3: no double URI encoding, no path
    normalisation, ``UNSIGNED-PAYLOAD``. ``epoch_seconds`` None: now."""
    return auth.AwsSigningConfig(
        algorithm=auth.AwsSigningAlgorithm.V4,
        signature_type=auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS,
        credentials_provider=auth.AwsCredentialsProvider.new_static(
            credentials.access_key_id, credentials.secret_access_key, credentials.session_token
        ),
        region=REGION,
        service="s3",
        date=None if epoch_seconds is None else datetime.datetime.fromtimestamp(epoch_seconds, datetime.UTC),
        use_double_uri_encode=False,
        should_normalize_uri_path=False,
        signed_body_value=auth.AwsSignedBodyValue.UNSIGNED_PAYLOAD,
        expiration_in_seconds=expires_in,
    )


def operation_query(disposition: str | None, content_type: str | None, version_id: str | None) -> str:
    """The overrides as the request's own query string (the CRT adds its parameters after them)."""
    pairs = [
        ("response-content-disposition", disposition),
        ("response-content-type", content_type),
        ("versionId", version_id),
    ]
    return "&".join(f"{name}={quote(value, safe='-_.~')}" for name, value in pairs if value is not None)


def presign(endpoint: BucketEndpoint, path: str, query: str, config) -> str:
    """One presigned URL: build the request, sign it, wait for the signature,
    read the signed path back. ``path`` is already percent-encoded."""
    request = http.HttpRequest("GET", f"{path}?{query}" if query else path, http.HttpHeaders([("host", endpoint.host)]))
    auth.aws_sign_request(request, config).result()
    return f"{endpoint.scheme}://{endpoint.netloc}{request.path}"
