"""The JSON API's uploads: ``method`` PUT or POST, and the multipart ``action`` steps.

PUT (single or in a batch)::

    {"key", "method": "PUT", "content_length", "content_type"?, "checksum_sha256"?, "expires_in"?}
    -> {"url", "method": "PUT", "headers", "bucket", "key", "expires_at", "expires_in", "capped_by"}

POST, for browser forms::

    {"key", "method": "POST", "content_type"?, "max_size"?, "min_size"?, "expires_in"?}
    -> {"url", "fields", "bucket", "key", "expires_at", "expires_in", "capped_by"}

Multipart, one step per single request (never in a batch, never with ``method``):
``create_multipart``, ``sign_parts``, ``complete_multipart``,
``abort_multipart``, ``list_parts``; see README.md for each shape.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from .checks import excerpt
from .errors import InvalidParameter, InvalidRequest, ResponseTooLarge
from .fields import ACTION_FIELDS, GET_ONLY_FIELDS, METHODS, UPLOAD_FIELDS, unknown_field
from .multipart import Multipart
from .outcome import Budget, Outcome
from .request_log import logged_key
from .uploads import PresignedPost, PresignedPut, Uploader
from .values import Deadline

if TYPE_CHECKING:
    from .api import Api, Defaults


def _check_fields(request: Mapping, known: frozenset[str], what: str) -> None:
    for name in GET_ONLY_FIELDS:
        if name in request and name not in known:
            raise InvalidParameter(f"{name} is for downloads; {what} does not take it")
    field = unknown_field(request, known)
    if field is not None:
        raise InvalidRequest(f"unknown field {excerpt(field)} for {what}; fields are {', '.join(sorted(known))}")


class UploadApi:
    def __init__(self, api: Api):
        self.api = api
        self.presigner = api.presigner
        self.uploader = Uploader(api.presigner)
        self.multipart = Multipart(api.presigner)

    def _bucket(self, request: Mapping, defaults: Defaults | None = None):
        name = request.get("bucket")
        if name in (None, "") and defaults is not None and defaults.bucket is not None:
            return defaults.bucket
        return self.presigner.config.bucket(name)

    def _requested(self, request: Mapping, bucket, defaults: Defaults | None = None) -> int:
        expires_in = request.get("expires_in")
        if expires_in is None and defaults is not None and defaults.expires_in:
            return defaults.expires_in
        return self.presigner.requested_expiry(bucket, expires_in)

    # --- PUT and POST ---------------------------------------------------------------

    def upload(self, request: Mapping, defaults: Defaults | None, deadline: Deadline) -> PresignedPut | PresignedPost:
        method = request.get("method")
        if method not in ("PUT", "POST"):
            raise InvalidParameter(f"method must be one of {', '.join(METHODS)}, got {excerpt(method)}")
        _check_fields(request, UPLOAD_FIELDS[method], f"method {method}")
        bucket = self._bucket(request, defaults)
        requested = self._requested(request, bucket, defaults)
        if method == "PUT":
            if "content_length" not in request:
                raise InvalidParameter("content_length is required with method PUT (it is signed, and bounded)")
            return self.uploader.put(
                bucket,
                request.get("key"),
                content_length=request["content_length"],
                content_type=request.get("content_type"),
                checksum=request.get("checksum_sha256"),
                requested=requested,
                deadline=deadline,
            )
        return self.uploader.post(
            bucket,
            request.get("key"),
            content_type=request.get("content_type"),
            min_size=request.get("min_size"),
            max_size=request.get("max_size"),
            requested=requested,
            deadline=deadline,
        )

    # --- multipart ------------------------------------------------------------------

    def action(self, request: Mapping, budget: Budget, deadline: Deadline) -> Outcome:
        action = request["action"]
        known = ACTION_FIELDS.get(action) if type(action) is str else None
        if known is None:
            raise InvalidParameter(f"action must be one of {', '.join(ACTION_FIELDS)}, got {excerpt(action)}")
        if "method" in request or "items" in request:
            raise InvalidRequest("action is a request of its own: not with method or items")
        _check_fields(request, known, f"action {action}")
        bucket = self._bucket(request)
        key, upload = request.get("key"), request.get("upload_id")
        multipart = self.multipart
        log = {"action": action, "bucket": bucket.alias, "key": logged_key(key), "outcome": "ok"}
        if action == "create_multipart":
            upload_id, key = multipart.create(bucket, key, request.get("content_type"), deadline)
            return Outcome(200, {"upload_id": upload_id, "bucket": bucket.alias, "key": key}, log=log)
        if action == "sign_parts":
            return self._sign_parts(request, bucket, budget, deadline, log)
        if action == "complete_multipart":
            etag = multipart.complete(bucket, key, upload, request.get("parts"), deadline)
            return Outcome(200, {"bucket": bucket.alias, "key": key, "etag": etag}, log=log)
        if action == "abort_multipart":
            multipart.abort(bucket, key, upload, deadline)
            return Outcome(200, {"bucket": bucket.alias, "key": key, "upload_id": upload}, log=log)
        parts = multipart.list_parts(bucket, key, upload, deadline)
        listed = [{"part_number": p.part_number, "etag": p.etag, "size": p.size} for p in parts]
        text = json.dumps({"parts": listed, "bucket": bucket.alias, "key": key, "upload_id": upload})
        if not budget.fits(text):  # 10,000 parts come near ALB's 1 MB
            raise ResponseTooLarge(
                f"the list of {len(listed)} parts does not fit in one answer through this front door"
            )
        return Outcome(200, None, log={**log, "items": len(listed)}, text=text)

    def _sign_parts(self, request: Mapping, bucket, budget: Budget, deadline: Deadline, log: dict) -> Outcome:
        numbers = request.get("part_numbers")
        grant, urls = self.multipart.sign_parts(
            bucket,
            request.get("key"),
            request.get("upload_id"),
            numbers,
            requested=self._requested(request, bucket),
            most=self.api.max_batch,
            deadline=deadline,
        )
        body = {
            "parts": [{"part_number": number, "url": url} for number, url in urls],
            "expires_at": grant.expires_at,
            "expires_in": grant.expires_in,
            "capped_by": grant.capped_by,
        }
        text = json.dumps(body)
        if not budget.fits(text):
            each = budget.cost(json.dumps(body["parts"][0])) + 2
            fit = max(0, int((budget.room - (budget.cost(text) - len(urls) * each)) // each))
            raise ResponseTooLarge(
                f"at most {fit} of {len(urls)} parts fit in one answer through this front door; ask for fewer"
            )
        log.update(items=len(urls), expires_in=grant.expires_in, capped_by=grant.capped_by)
        return Outcome(200, None, log=log, text=text)
