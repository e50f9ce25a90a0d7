"""S3 naming rules, addressing, Content-Disposition, and the SigV4 helpers."""

from __future__ import annotations

from email import message_from_string
from email.utils import collapse_rfc2231_value
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xpresign import percent, sigv4
from xpresign.credentials import Credentials
from xpresign.errors import InvalidBucketName, InvalidExpiry, InvalidKey, InvalidParameter, KeyTooLong, MissingKey
from xpresign.presign import presign_s3_url
from xpresign.s3 import (
    MAX_KEY_BYTES,
    content_disposition,
    is_dns_compatible,
    resolve_bucket_endpoint,
    validate_bucket_name,
    validate_key,
)


@given(st.text(), st.sampled_from(["-_.~", "-_.~/", "/-_.~"]))
def test_uri_encode_equals_urllib_quote(value, safe):
    try:
        expected = quote(value, safe=safe)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            sigv4.uri_encode(value, safe)
        return
    assert sigv4.uri_encode(value, safe) == expected


#: Long ASCII values, some with few kinds of byte to encode ('%' among them),
#: some with many: both of percent-encoding's ways, and the choice between them.
LONG_ASCII = st.one_of(
    st.text(st.sampled_from("aZ9-_.~/ %(+"), min_size=percent.REPLACE_FROM_LENGTH, max_size=400),
    st.text(st.characters(max_codepoint=127), min_size=percent.REPLACE_FROM_LENGTH, max_size=400),
)


@given(LONG_ASCII, st.sampled_from(["-_.~", "-_.~/"]))
def test_long_ascii_values_are_encoded_as_urllib_quote_does(value, safe):
    assert sigv4.uri_encode(value, safe) == quote(value, safe=safe)


@pytest.mark.parametrize(
    "value",
    [
        "100% " * 20,
        "%" * 64,
        "a" * 39 + "%",
        "".join(map(chr, range(128))) * 2,
        'attachment; filename="' + "x (1).mp4" * 14,
    ],
)
def test_percent_signs_are_encoded_once_whichever_way_is_taken(value):
    assert sigv4.uri_encode(value) == quote(value, safe="-_.~")


@pytest.mark.parametrize(
    ("key", "error"),
    [(None, MissingKey), ("", MissingKey), (42, InvalidKey), ("a" * (MAX_KEY_BYTES + 1), KeyTooLong),
     ("é" * (MAX_KEY_BYTES // 2 + 1), KeyTooLong), ("bad \ud800 surrogate", InvalidKey)],
)  # fmt: skip
def test_invalid_keys_are_refused_with_their_own_code(key, error):
    with pytest.raises(error) as refused:
        validate_key(key)
    assert refused.value.status == 400


def test_keys_up_to_the_limit_are_fine():
    assert validate_key("a" * MAX_KEY_BYTES) and validate_key("é" * (MAX_KEY_BYTES // 2))


@pytest.mark.parametrize("name", ["", "a b", "bucket/x", "ü-bucket", "x" * 256, 7])
def test_invalid_bucket_names(name):
    with pytest.raises(InvalidBucketName):
        validate_bucket_name(name)


@pytest.mark.parametrize(
    ("name", "dns"),
    [("classic-movies", True), ("abc", True), ("ab", False), ("a" * 63, True), ("a" * 64, False),
     ("classic.movies", False), ("Classic", False), ("under_score", False), ("-dash", False), ("192.168.1.1", False)],
)  # fmt: skip
def test_dns_compatibility(name, dns):
    assert is_dns_compatible(name) is dns


def test_addressing():
    assert resolve_bucket_endpoint("b-1", "eu-west-1").object_url("k") == "https://b-1.s3.eu-west-1.amazonaws.com/k"
    assert resolve_bucket_endpoint("b-1", "eu-west-1", addressing_style="path").object_url("k") == (
        "https://s3.eu-west-1.amazonaws.com/b-1/k"
    )
    assert resolve_bucket_endpoint("b-1", "us-east-1", use_global_endpoint=True).object_url("k") == (
        "https://b-1.s3.amazonaws.com/k"
    )
    assert (
        resolve_bucket_endpoint("b-1", "cn-north-1").object_url("k") == "https://b-1.s3.cn-north-1.amazonaws.com.cn/k"
    )
    emulator = resolve_bucket_endpoint("b-1", "us-east-1", endpoint_url="http://127.0.0.1:9000/")
    assert emulator.object_url("a b") == "http://127.0.0.1:9000/b-1/a%20b"
    assert emulator.host == "127.0.0.1:9000"


def _parsed_filename(header: str) -> str:
    """What a browser takes: filename* (RFC 5987) when present, else filename."""
    message = message_from_string(f"Content-Disposition: {header}\n\n")
    values = [v for k, v in message.get_params(header="content-disposition") if k == "filename"]
    extended = [v for v in values if isinstance(v, tuple)]  # filename*=charset''value
    return collapse_rfc2231_value(extended[0] if extended else values[0])


@pytest.mark.parametrize(
    "filename", ["Metropolis (1927).mp4", 'quote"and\\backslash.txt', "Ünïcode — ok.mp4", "東京物語.mp4", "a;b=c.txt"]
)
def test_content_disposition_round_trips_through_an_rfc_6266_parser(filename):
    header = content_disposition(filename)
    assert header.startswith('attachment; filename="')
    assert header.isascii()
    assert _parsed_filename(header) == filename


def test_content_disposition_gives_an_ascii_fallback_and_an_rfc_5987_name():
    assert content_disposition("Ünï.mp4") == "attachment; filename=\"_n_.mp4\"; filename*=UTF-8''%C3%9Cn%C3%AF.mp4"


@pytest.mark.parametrize("filename", ["", "line\nbreak", "nul\x00", 5, "lone \udc80"])
def test_unusable_filenames_are_refused(filename):
    with pytest.raises(InvalidParameter):
        content_disposition(filename)


@pytest.mark.parametrize("expires", [0, -1, 604801, 1.5, "900", True, None])
def test_presign_refuses_expiries_outside_sigv4s_range(expires):
    endpoint = resolve_bucket_endpoint("b-1", "eu-west-1")
    with pytest.raises(InvalidExpiry):
        presign_s3_url(endpoint, "k", Credentials("AKID", "s"), expires_in=expires, now=1_700_000_000)


def test_presign_refuses_methods_other_than_get_and_head():
    endpoint = resolve_bucket_endpoint("b-1", "eu-west-1")
    with pytest.raises(InvalidParameter):
        presign_s3_url(endpoint, "k", Credentials("AKID", "s"), expires_in=60, now=1_700_000_000, method="PUT")


def test_signing_scope_is_cached_once_per_credentials_date_region_and_service():
    """One cache (the scope, holding the derived key's HMAC state), rolling
    over with the date, the credentials, the region and the service."""
    from xpresign.presign import signing_scope

    creds = Credentials("AKIDEXAMPLE", "secret-1")
    first = signing_scope(creds, "eu-west-1", "20261130")
    assert signing_scope(Credentials("AKIDEXAMPLE", "secret-1"), "eu-west-1", "20261130") is first
    others = [
        signing_scope(Credentials("AKIDEXAMPLE", "secret-2"), "eu-west-1", "20261130"),
        signing_scope(creds, "eu-west-1", "20261201"),
        signing_scope(creds, "us-east-1", "20261130"),
        signing_scope(creds, "eu-west-1", "20261130", "sts"),
    ]
    assert all(other is not first for other in others)
    assert len({other.hmac.hexdigest(b"x") for other in [first, *others]}) == 5


def test_signing_key_derivation_matches_the_aws_documentation_example():
    # "Examples of how to derive a signing key for Signature Version 4" (AWS General Reference).
    key = sigv4.signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam")
    assert key.hex() == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"


@given(st.binary(min_size=0, max_size=200), st.binary(min_size=1, max_size=100))
def test_precomputed_hmac_equals_hmac(key, message):
    import hmac

    assert sigv4.PrecomputedHmac(key).hexdigest(message) == hmac.new(key, message, "sha256").hexdigest()


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Cf", "Co", "Cn", "Zl", "Zp", "Zs"),
                                      include_characters=' "\\'), min_size=1, max_size=60))  # fmt: skip
def test_the_encoded_disposition_is_the_encoding_of_the_header(filename):
    from xpresign.s3 import encoded_disposition

    assert encoded_disposition(filename) == sigv4.uri_encode(content_disposition(filename))
