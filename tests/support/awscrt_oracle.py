"""awscrt, AWS's C signer, as a second oracle independent of botocore.

S3 presigning with the CRT takes the settings S3 needs: no double URI
encoding, no path normalisation, ``UNSIGNED-PAYLOAD``, and the query-string
signature type. The CRT writes its parameters in its own order, so callers
compare parameters (and the signature among them), not the URL's bytes.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qsl, urlsplit

from awscrt import auth, http


def presigned_query(
    *,
    method: str,
    host: str,
    path: str,
    params: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    region: str,
    access_key_id: str,
    secret_access_key: str,
    session_token: str | None,
    epoch_seconds: int,
    expires_in: int,
) -> dict[str, str]:
    """The query parameters (decoded) of the CRT's presigned request for
    ``path`` (already percent-encoded) with operation ``params``; ``headers``
    are signed beside ``host``."""
    from urllib.parse import quote

    credentials = auth.AwsCredentialsProvider.new_static(access_key_id, secret_access_key, session_token)
    config = auth.AwsSigningConfig(
        algorithm=auth.AwsSigningAlgorithm.V4,
        signature_type=auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS,
        credentials_provider=credentials,
        region=region,
        service="s3",
        date=datetime.datetime.fromtimestamp(epoch_seconds, datetime.UTC),
        use_double_uri_encode=False,
        should_normalize_uri_path=False,
        signed_body_value=auth.AwsSignedBodyValue.UNSIGNED_PAYLOAD,
        expiration_in_seconds=expires_in,
    )
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in params)
    request = http.HttpRequest(
        method,
        path + (f"?{query}" if query else ""),
        http.HttpHeaders([("host", host), *(headers or {}).items()]),
    )
    auth.aws_sign_request(request, config).result(timeout=10)
    return dict(parse_qsl(urlsplit(request.path).query, keep_blank_values=True))


def query_of(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
