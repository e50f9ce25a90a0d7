"""The request's field names: the JSON API's contract, in one place.

The JSON body, a batch's items and a GET's query string all draw on these
lists, so a field is added (or refused) everywhere at once.
"""

from __future__ import annotations

#: Fields of a download (GET) request or batch item.
GET_FIELDS = frozenset(
    {"key", "object_key", "bucket", "expires_in", "filename", "response_content_type", "version_id", "check", "method"}
)
#: Fields that only make sense for a download; refused with PUT or POST.
GET_ONLY_FIELDS = ("check", "filename", "response_content_type", "version_id")
#: Fields of an upload request (and batch item), by method.
UPLOAD_FIELDS = {
    "PUT": frozenset({"key", "method", "bucket", "expires_in", "content_length", "content_type", "checksum_sha256"}),
    "POST": frozenset({"key", "method", "bucket", "expires_in", "content_type", "max_size", "min_size"}),
}
METHODS = ("GET", "PUT", "POST")
#: Fields of each multipart step (a single request, never in a batch).
ACTION_FIELDS = {
    "create_multipart": frozenset({"action", "key", "bucket", "content_type"}),
    "sign_parts": frozenset({"action", "key", "bucket", "upload_id", "part_numbers", "expires_in"}),
    "complete_multipart": frozenset({"action", "key", "bucket", "upload_id", "parts"}),
    "abort_multipart": frozenset({"action", "key", "bucket", "upload_id"}),
    "list_parts": frozenset({"action", "key", "bucket", "upload_id"}),
}
#: Fields of a batch request; the last three are defaults for its items.
BATCH_FIELDS = frozenset({"items", "bucket", "expires_in", "check"})
INHERITED_FIELDS = ("bucket", "expires_in", "check")

#: A GET's query parameters and how each is read: text, whole seconds or a flag.
QUERY_FIELDS = {
    "key": "text",
    "bucket": "text",
    "expires_in": "seconds",
    "filename": "text",
    "response_content_type": "text",
    "version_id": "text",
    "check": "flag",
}


def unknown_field(given: object, known: frozenset[str]) -> str | None:
    """The first (sorted) field of ``given`` that is not ``known``, if any."""
    extra = [name for name in given if name not in known]
    if not extra:
        return None
    return sorted(map(str, extra))[0]


def known_list(known: frozenset[str]) -> str:
    return ", ".join(sorted(known - {"object_key"}))
