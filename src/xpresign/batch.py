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
from .presigner import Grant, PresignedUrl
from .s3 import MAX_KEY_BYTES
from .values import Deadline

#: Concurrent HEAD requests for a batch with ``check``.
CHECK_WORKERS = 16
#: Most buckets named in a batch's log line.
MAX_LOGGED_BUCKETS = 10
#: An item's fields that keep it on the short path (its bucket and expiry are the batch's).
_OPTION_FIELDS = frozenset({"key", "filename", "response_content_type", "version_id"})
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


class _Grants:
    """One grant per (bucket, expiry asked). When credentials fail for a
    bucket (STS refused, throttled, down), the batch's other items for that
    bucket fail the same way at once instead of asking STS again."""

    def __init__(self, api: Api, deadline: Deadline):
        self._presigner = api.presigner
        self._deadline = deadline
        self._found: dict[tuple[str, int], tuple[Grant, str, str, int]] = {}
        self._failed: dict[str, XpresignError] = {}

    def get(self, bucket, requested: int) -> tuple[Grant, str, str, int]:
        """``(grant, a result's text around its key, escaping cost of its fixed parts)``."""
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
            middle, suffix = _result_parts(grant)
            # What one result's fixed parts cost in an envelope beyond their length
            # (each '"' and '\\' is escaped once more); the key's part is added per item.
            sample = f'{_RESULT_PREFIX}{middle}""{suffix}'
            found = (grant, middle, suffix, _ESCAPED.cost(sample) - len(sample))
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
    plain_key, sign_plain = presigner.plain_key, presigner.sign_plain
    # The short path: bare keys in the batch's bucket, at its expiry, share one grant.
    common = defaults.bucket if not defaults.check else None
    common_expiry = (defaults.expires_in or common.default_expires) if common is not None else 0
    shared: tuple[Grant, str, str, int] | None = None

    results: list = []
    used = _ESCAPED.cost('{"results": []}')  # text mode: the answer's cost in the envelope, counted as written
    errors: list[XpresignError] = []
    checks: list[tuple[int, GetRequest, Grant]] = []
    memo: dict = {}  # checked download options, by value (see Presigner.download)
    for item in items:
        key = None
        try:
            if common is not None and (type(item) is str or (type(item) is dict and len(item) == 1 and "key" in item)):
                key = plain_key(common, item if type(item) is str else item["key"])
                if key is None:  # not plain: the full rules give the precise error, or accept it
                    key = presigner.check_allowed(common, item if type(item) is str else item["key"])
                if shared is None:
                    shared = grants.get(common, common_expiry)
                grant, middle, suffix, fixed_extra = shared
                url = sign_plain(key, grant)
            elif common is not None and type(item) is dict and _OPTION_FIELDS.issuperset(item):
                # A key with download options, in the batch's bucket at its expiry:
                # the same short path, with the options checked (a type once per batch).
                key = plain_key(common, item.get("key"))
                if key is None:
                    key = presigner.check_allowed(common, item.get("key"))
                operation, _ = presigner.options(
                    common, item.get("filename"), item.get("response_content_type"), item.get("version_id"), memo
                )
                if shared is None:
                    shared = grants.get(common, common_expiry)
                grant, middle, suffix, fixed_extra = shared
                url = sign_plain(key, grant, operation)
            elif isinstance(item, Mapping) and item.get("method", "GET") != "GET":
                # PUT or POST: the batch's check default is for downloads (the object is not there yet).
                upload = api.uploads.upload(item, defaults, deadline)
                key = upload.key
                results.append(upload.to_dict() if not as_text else json.dumps(upload.to_dict()))
                if as_text:
                    used += _ESCAPED.cost(results[-1]) + 2
                continue
            else:
                if type(item) is str:
                    item = {"key": item}
                elif not isinstance(item, Mapping):
                    raise InvalidRequest("each item must be an object or a key string")
                parsed = api.parse_get(item, defaults, memo)
                download = parsed.download
                key = download.key
                grant, middle, suffix, fixed_extra = grants.get(download.bucket, download.requested)
                url = presigner.sign(download, grant)
                if parsed.check:
                    checks.append((len(results), parsed, grant))
            if as_text:
                key_json = _encode(key)
                result = f'{{"url": "{url}{middle}{key_json}{suffix}'  # _RESULT_PREFIX, url, the parts
                # A key's escapes (each one backslash, at most one quote) cost at most two more each.
                used += len(result) + fixed_extra + 2 * (len(key_json) - len(key) - 2) + 2
            else:
                result = {
                    "url": url,
                    "bucket": grant.bucket.alias,
                    "key": key,
                    "expires_at": grant.expires_at,
                    "expires_in": grant.expires_in,
                    "capped_by": grant.capped_by,
                }
        except XpresignError as error:
            errors.append(error)
            entry = _error_entry(key if key is not None else _item_key(item), error)
            result = json.dumps(entry) if as_text else entry
            used += _ESCAPED.cost(result) + 2 if as_text else 0
        results.append(result)

    body = '{"results": [' + ", ".join(results) + "]}" if as_text else None
    _check_budget(budget, results, used if as_text else None, len(items))
    if checks:
        _run_checks(api, checks, results, errors, deadline, as_text)
    if errors and len(errors) == len(results) and all(e.status in (429, 503) for e in errors):
        # Nothing was signed, for want of a dependency: say so as a whole, with Retry-After.
        return error_outcome(errors[0], {"items": len(results)})
    log = _batch_log(results, len(errors), grants)
    if as_text:
        if checks:  # a check may have turned a result into an error since
            body = '{"results": [' + ", ".join(results) + "]}"
        return Outcome(200, None, log=log, text=body)
    return Outcome(200, {"results": results}, log=log)


def _check_budget(budget: Budget, results: list, counted: int | None, total: int) -> None:
    """413 when the answer would not fit its front door, saying how many items would.

    Text results were counted as they were written; dicts (a direct
    invocation) are bounded first without writing them. Only a batch that
    does not fit pays for finding where it stops."""
    if budget.limit is None:
        return
    room = budget.room
    if counted is not None:
        if counted <= room:
            return
    elif _upper_bound(results) <= room or len(json.dumps({"results": results})) <= room:
        return
    texts = results if counted is not None else map(json.dumps, results)
    used, fit = budget.cost('{"results": []}'), 0
    for text in texts:
        used += budget.cost(text) + 2
        if used > room:
            break
        fit += 1
    raise ResponseTooLarge(f"at most {fit} of {total} items fit in one answer through this front door; split the batch")


_RESULT_PREFIX = '{"url": "'


def _result_parts(grant: Grant) -> tuple[str, str]:
    """A result's JSON text around its key, the same for every item of a grant:
    ``_RESULT_PREFIX + url + middle + key as JSON + suffix`` is what json.dumps
    writes for the result (tested)."""
    capped = "null" if grant.capped_by is None else f'"{grant.capped_by}"'
    middle = f'", "bucket": {_encode(grant.bucket.alias)}, "key": '
    suffix = f', "expires_at": "{grant.expires_at}", "expires_in": {grant.expires_in}, "capped_by": {capped}}}'
    return middle, suffix


#: Escaping as inside an HTTP front door's envelope, for counting.
_ESCAPED = Budget(None, escaped=True)
#: JSON's punctuation and field names around a result's values.
_RESULT_OVERHEAD = 128


#: A download's result: only its URL is long, and a URL needs no escaping.
_DOWNLOAD_FIELDS = frozenset(PresignedUrl._fields)


def _upper_bound(results: list[dict]) -> int:
    """A bound on ``len(json.dumps(results))`` without writing it: a URL is
    ASCII with nothing to escape, and no character escapes to more than 12
    (a surrogate pair, \\uXXXX\\uXXXX, for one character outside the BMP).
    Other results (an upload's headers or POST fields, an error) count whole."""
    return sum(
        len(r["url"]) + 12 * (len(r["key"]) + len(r["bucket"])) + _RESULT_OVERHEAD
        if r.keys() == _DOWNLOAD_FIELDS
        else 12 * len(str(r))
        for r in results
    )


def _item_key(item: object) -> str | None:
    """The key an item names, for its error entry (it identifies the item)."""
    if type(item) is str:
        return item
    if isinstance(item, Mapping):
        key = item.get("key", item.get("object_key"))
        return key if type(key) is str else None
    return None


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
