"""Web identity end to end on moto: the token file's AssumeRoleWithWebIdentity
gives the source credentials, which sign the AssumeRole into account A's
role, whose session signs a URL that downloads the object.

moto is an independent implementation of STS's answers (its XML, its
namespace, its Expiration format), where tests/support's fake is ours.
"""

from __future__ import annotations

import hashlib
import urllib.request
from urllib.parse import parse_qs, urlsplit

from tests.support.log_capture import remember_secret
from xpresign.web_identity import WebIdentityCredentials
from xpresign.wiring import presigner_from_environ

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6cHJlc2lnbmVyIn0.moto-does-not-check"

remember_secret(TOKEN)


def test_web_identity_credentials_sign_the_assume_role_into_account_a(two_accounts, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN)
    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")  # environment keys would win
    env = {
        **{name: value for name, value in two_accounts.lambda_environment().items() if name not in keys},
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
        "AWS_ROLE_ARN": two_accounts.lambda_role_arn,
        "AWS_ROLE_SESSION_NAME": "presigner-pod",
    }
    presigner = presigner_from_environ(env)
    assert isinstance(presigner.broker.source, WebIdentityCredentials)

    key = next(iter(two_accounts.objects))
    link = presigner.presign(key, expires_in=600)
    source = presigner.broker.source_credentials()
    remember_secret(source.secret_access_key, source.session_token)
    assert source.expires_at is not None  # moto's Expiration parsed

    with urllib.request.urlopen(link.url, timeout=10) as download:
        body = download.read()
    assert hashlib.sha256(body).digest() == hashlib.sha256(two_accounts.objects[key]).digest()
    # Signed with account A's role session, not with the web identity session.
    credential = parse_qs(urlsplit(link.url).query)["X-Amz-Credential"][0]
    assert not credential.startswith(source.access_key_id)
