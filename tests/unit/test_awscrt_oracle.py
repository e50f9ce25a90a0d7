"""xpresign's signatures against awscrt, AWS's C signer: an oracle independent
of botocore.

The CRT writes the query parameters in its own order, so the comparison is of
the parameters (the signature among them), not of the URL's bytes; the byte
order is botocore's business (tests/unit/test_presign_oracle.py).
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.awscrt_oracle import presigned_query, query_of
from tests.unit.test_presign_oracle import AKID, REGIONS, SECRET, dns_buckets, instants, keys, printable, tokens
from xpresign.credentials import Credentials
from xpresign.presign import presign_s3_url
from xpresign.s3 import content_disposition, resolve_bucket_endpoint
from xpresign.values import MAX_PRESIGN_EXPIRES


def _crt(endpoint, url: str, *, method: str, region: str, token, now: int, expires: int, params=(), headers=None):
    return presigned_query(
        method=method,
        host=endpoint.host,
        path=url.split("?", 1)[0].split(endpoint.netloc, 1)[1],
        params=params,
        headers=headers,
        region=region,
        access_key_id=AKID,
        secret_access_key=SECRET,
        session_token=token,
        epoch_seconds=now,
        expires_in=expires,
    )


@settings(max_examples=200, deadline=None)
@given(
    bucket=dns_buckets,
    key=keys,
    region=st.sampled_from(REGIONS),
    token=tokens,
    expires=st.integers(min_value=1, max_value=MAX_PRESIGN_EXPIRES),
    now=instants,
    method=st.sampled_from(["GET", "HEAD"]),
)
def test_get_and_head_match_awscrt(bucket, key, region, token, expires, now, method):
    endpoint = resolve_bucket_endpoint(bucket, region)
    url = presign_s3_url(endpoint, key, Credentials(AKID, SECRET, token), expires_in=expires, now=now, method=method)
    crt = _crt(endpoint, url, method=method, region=region, token=token, now=now, expires=expires)
    assert query_of(url) == crt


@settings(max_examples=100, deadline=None)
@given(
    key=keys,
    token=tokens,
    now=instants,
    filename=st.one_of(st.none(), printable),
    content_type=st.one_of(st.none(), st.sampled_from(["video/mp4", "text/plain; charset=utf-8"])),
    version_id=st.one_of(st.none(), st.text(alphabet="abcdefABCDEF0123456789._+/=-", min_size=1, max_size=32)),
)
def test_response_overrides_match_awscrt(key, token, now, filename, content_type, version_id):
    endpoint = resolve_bucket_endpoint("classic-movies", "eu-west-1")
    disposition = None if filename is None else content_disposition(filename)
    url = presign_s3_url(
        endpoint,
        key,
        Credentials(AKID, SECRET, token),
        expires_in=900,
        now=now,
        response_content_disposition=disposition,
        response_content_type=content_type,
        version_id=version_id,
    )
    params = [
        (name, value)
        for name, value in (
            ("response-content-disposition", disposition),
            ("response-content-type", content_type),
            ("versionId", version_id),
        )
        if value is not None
    ]
    crt = _crt(endpoint, url, method="GET", region="eu-west-1", token=token, now=now, expires=900, params=params)
    assert query_of(url) == crt
