"""xpresign: cross-account S3 presigned URLs, fast and honest about expiry.

Nothing is imported at the package root: ``import xpresign`` stays cheap, and
each entry point (the Lambda handler, the CLI) imports only what it uses.
The main names are reachable lazily::

    from xpresign import Presigner, load_config, CredentialBroker
"""

__version__ = "0.1.0"

_LAZY = {
    "Presigner": "xpresign.presigner",
    "PresignedUrl": "xpresign.presigner",
    "presign_s3_url": "xpresign.presign",
    "load_config": "xpresign.config",
    "CredentialBroker": "xpresign.credentials",
    "Credentials": "xpresign.values",
    "RoleSpec": "xpresign.values",
    "Deadline": "xpresign.values",
    "StsClient": "xpresign.sts",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'xpresign' has no attribute {name!r}")
    import importlib  # noqa: PLC0415 - only when a name is first used

    return getattr(importlib.import_module(module), name)
