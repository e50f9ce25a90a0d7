"""The ``xpresign`` command's exit statuses: one enum, one mapping from errors."""

from __future__ import annotations

from enum import IntEnum

from ..errors import (
    AccessDenied,
    ConfigError,
    InvalidRequest,
    KeyNotAllowed,
    NoCredentials,
    NoSuchKey,
    RoleNotAssumable,
    ServiceUnavailable,
    StsThrottled,
    UploadTooLarge,
    XpresignError,
)


class ExitCode(IntEnum):
    OK = 0
    #: Anything else that went wrong (AWS answered in a way we cannot use, a
    #: file changed or went away during its upload...).
    ERROR = 1
    #: Bad arguments or input: fix the command line (argparse's own status too).
    USAGE = 2
    #: The demo ran, but a download did not match or a refusal did not happen.
    CHECK_FAILED = 3
    #: No credentials found, or the profile or SSO session is unusable.
    NO_CREDENTIALS = 4
    #: STS refused the role, or S3 refused the role the object (``--check``).
    ACCESS_DENIED = 5
    #: STS or S3 throttled or did not answer: trying again later may work.
    UNAVAILABLE = 6
    #: ``--check``: no such object.
    NOT_FOUND = 7
    #: Ctrl-C (128 + SIGINT, as shells report it); an upload in progress is aborted first.
    INTERRUPTED = 130


def exit_code_for(error: XpresignError) -> ExitCode:
    # Too large for a single PUT: the input is at fault, as with a bad option.
    if isinstance(error, (InvalidRequest, ConfigError, UploadTooLarge)):
        return ExitCode.USAGE
    if isinstance(error, NoCredentials):
        return ExitCode.NO_CREDENTIALS
    if isinstance(error, NoSuchKey):
        return ExitCode.NOT_FOUND
    if isinstance(error, (RoleNotAssumable, AccessDenied, KeyNotAllowed)):
        return ExitCode.ACCESS_DENIED
    if isinstance(error, (StsThrottled, ServiceUnavailable)):
        return ExitCode.UNAVAILABLE
    return ExitCode.ERROR
