"""Batches: many downloads in one request, at close to the signer's own cost.

``{"items": [item, ...], "bucket": ..., "expires_in": ..., "check": ...}``:
each item is a key string or an object like a single request, the top-level
fields are defaults, and the answer is ``{"results": [...]}`` in order, each a
result or ``{"key", "error"}``. One bad item does not fail the others.

What makes it fast, measured on 1,000 items (see benchmarks/RESULTS.md):

* everything that is the same for every item is done once: the defaults are
  validated once (a bad default fails the batch with one 400), and one
  :class:`~xpresign.presigner.Grant` (credentials, clock second, expiry
  decision, ``expires_at``) serves every item of a bucket and expiry;
* a bare key takes a short path: an ASCII check, the prefix rule, the signer;
* an HTTP answer is written as JSON text directly (a URL needs no escaping),
  byte for byte what ``json.dumps`` of the same results gives.

The answer is budgeted as it is built (:class:`~xpresign.outcome.Budget`):
one that the front door could not deliver is refused with 413
``ResponseTooLarge``, saying how many items would fit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from .api import Api, Defaults, GetRequest, flag
from .checks import excerpt
from .errors import BatchTooLarge, InvalidRequest, ResponseTooLarge, XpresignError
from .expiry import validate_expires_in
from .fields import BATCH_FIELDS, unknown_field
from .outcome import Budget, Outcome, error_outcome
from .presign import sign_query
from .presigner import Grant
from .s3 import MAX_KEY_BYTES
from .sigv4 import PATH_SAFE, uri_encode
from .values import Deadline

#: Concurrent HEAD requests for a batch with ``check``.
CHECK_WORKERS = 16
#: Most buckets named in a batch's log line.
MAX_LOGGED_BUCKETS = 10
#: JSON string encoding, the function ``json.dumps`` itself uses for a str.
_encode = json.encoder.encode_basestring_ascii


def _defaults(api: Api, request: Mapping) -> Defaults:
    """The batch's top-level fields, checked once: a bad one fails the batch."""
    config = api.presigner.config
    name = request.get("bucket")
    if name in (None, ""):
        bucket = next(iter(config.buckets.values())) if len(config.buckets) == 1 else None
    else:
        bucket = config.bucket(name)
    expires_in = request.get("expires_in")
    requested = None if expires_in is None else validate_expires_in(expires_in)
    return Defaults(bucket, requested, flag(request["check"], "check") if "check" in request else False)


def _result_json(url: str, bucket_json: str, key: str, grant: Grant, capped_json: str) -> str:
    return (
        f'{{"url": "{url}", "bucket": {bucket_json}, "key": {_encode(key)}, "expires_at": "{grant.expires_at}", '
        f'"expires_in": {grant.expires_in}, "capped_by": {capped_json}}}'
    )


class _Grants:
    """One grant per (bucket, expiry asked). When credentials fail for a
    bucket (STS refused, throttled, down), the batch's other items for that
    bucket fail the same way at once instead of asking STS again."""

    def __init__(self, api: Api, deadline: Deadline):
        self._presigner = api.presigner
        self._deadline = deadline
        self._found: dict[tuple[str, int], tuple[Grant, str, str]] = {}
        self._failed: dict[str, XpresignError] = {}

    def get(self, bucket, requested: int) -> tuple[Grant, str, str]:
        """``(grant, bucket alias as JSON, capped_by as JSON)``."""
        found = self._found.get((bucket.alias, requested))
        if found is None:
            failure = self._failed.get(bucket.alias)
            if failure is not None:
                raise failure
            try:
                grant = self._presigner.grant(bucket, requested, self._deadline)
            except XpresignError as exc:
                self._failed[bucket.alias] = exc
                raise
            found = (grant, _encode(bucket.alias), json.dumps(grant.capped_by))
            self._found[(bucket.alias, requested)] = found
        return found

    def granted(self) -> list[Grant]:
        return [found[0] for found in self._found.values()]


def run_batch(api: Api, request: Mapping, budget: Budget, deadline: Deadline, *, as_text: bool) -> Outcome:
    field = unknown_field(request, BATCH_FIELDS)
    if field is not None:
        raise InvalidRequest(f"unknown field {excerpt(field)} in a batch; fields are {', '.join(sorted(BATCH_FIELDS))}")
    items = request["items"]
    if not isinstance(items, list) or not items:
        raise InvalidRequest("items must be a non-empty list of requests (objects, or key strings)")
    if len(items) > api.max_batch:
        raise BatchTooLarge(f"a batch may hold at most {api.max_batch} items, this one holds {len(items)}")
    defaults = _defaults(api, request)
    presigner = api.presigner
    grants = _Grants(api, deadline)
    common = defaults.bucket
    if common is not None:
        endpoint = presigner.endpoint(common)
        prefixes = common.allowed_prefixes
        common_expiry = defaults.expires_in or common.default_expires
        path_start = endpoint.path_prefix + "/"

    results: list = []
    errors: list[XpresignError] = []
    checks: list[tuple[int, GetRequest, Grant]] = []
    room, used, fit = budget.room, 0, None
    for index, item in enumerate(items):
        key = None
        try:
            if (
                common is not None
                and not defaults.check
                and (type(item) is str or (type(item) is dict and len(item) == 1 and "key" in item))
            ):
                # The short path: a bare key in the batch's bucket, at its expiry.
                key = item if type(item) is str else item["key"]
                if type(key) is not str or not key.isascii() or not 0 < len(key) <= MAX_KEY_BYTES:
                    key = presigner.check_allowed(common, key)  # raises the precise error, or passes non-ASCII
                elif prefixes and not key.startswith(prefixes):
                    presigner.check_allowed(common, key)  # raises KeyNotAllowed
                grant, bucket_json, capped_json = grants.get(common, common_expiry)
                url = sign_query(
                    endpoint, path_start + uri_encode(key, PATH_SAFE), grant.scope, grant.amz, grant.expires_in
                )
            else:
                if type(item) is str:
                    item = {"key": item}
                elif not isinstance(item, Mapping):
                    raise InvalidRequest("each item must be an object or a key string")
                candidate = item.get("key", item.get("object_key"))
                key = candidate if type(candidate) is str else None
                parsed = api.parse_get(item, defaults)
                download = parsed.download
                key = download.key
                grant, bucket_json, capped_json = grants.get(download.bucket, download.requested)
                url = presigner.sign(download, grant)
                if parsed.check:
                    checks.append((index, parsed, grant))
            if as_text:
                result = _result_json(url, bucket_json, key, grant, capped_json)
                used += budget.cost(result) + 2
            else:
                result = {
                    "url": url,
                    "bucket": grant.bucket.alias,
                    "key": key,
                    "expires_at": grant.expires_at,
                    "expires_in": grant.expires_in,
                    "capped_by": grant.capped_by,
                }
                used += budget.cost(_result_json(url, bucket_json, key, grant, capped_json)) + 2
        except XpresignError as error:
            errors.append(error)
            entry = _error_entry(key, error)
            text = json.dumps(entry)
            result = text if as_text else entry
            used += budget.cost(text) + 2
        results.append(result)
        if used > room:
            fit = index
            break

    if fit is not None:
        raise ResponseTooLarge(
            f"at most {fit} of {len(items)} items fit in one answer through this front door; split the batch"
        )
    if checks:
        _run_checks(api, checks, results, errors, deadline, as_text)
    if errors and len(errors) == len(results) and all(e.status in (429, 503) for e in errors):
        # Nothing was signed, for want of a dependency: say so as a whole, with Retry-After.
        return error_outcome(errors[0], {"items": len(results)})
    log = _batch_log(results, len(errors), grants)
    if as_text:
        return Outcome(200, None, log=log, text='{"results": [' + ", ".join(results) + "]}")
    return Outcome(200, {"results": results}, log=log)


def _error_entry(key: str | None, error: XpresignError) -> str | dict:
    # The key is echoed (it identifies the item) only when it is a plausible one.
    entry = {"error": error.to_dict()}
    if isinstance(key, str) and len(key) <= MAX_KEY_BYTES:
        entry = {"key": key, **entry}
    return entry


def _run_checks(api: Api, checks: list, results: list, errors: list, deadline: Deadline, as_text: bool) -> None:
    """HEAD every checked item, at most CHECK_WORKERS at a time, within the
    deadline: an item whose check ran out of time gets 503, never an
    unchecked URL."""

    def run(entry: tuple[int, GetRequest, Grant]) -> XpresignError | None:
        _, parsed, grant = entry
        try:
            api.check(parsed.download, grant, deadline)
        except XpresignError as error:
            return error
        return None

    for (index, parsed, _), error in zip(checks, api.executor().map(run, checks), strict=True):
        if error is not None:
            errors.append(error)
            entry = _error_entry(parsed.download.key, error)
            results[index] = json.dumps(entry) if as_text else entry


def _batch_log(results: list, failed: int, grants: _Grants) -> dict:
    granted = grants.granted()
    buckets = sorted({g.bucket.alias for g in granted})[:MAX_LOGGED_BUCKETS]
    capped = sorted({g.capped_by for g in granted if g.capped_by})
    return {
        "bucket": buckets[0] if len(buckets) == 1 else buckets,
        "items": len(results),
        "failed": failed,
        "expires_in": min((g.expires_in for g in granted), default=None),
        "capped_by": capped[0] if len(capped) == 1 else (capped or None),
        "outcome": "ok" if not failed else "partial",
    }
