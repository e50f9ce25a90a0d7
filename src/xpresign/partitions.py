"""AWS partitions: which regions xpresign supports, and their DNS suffixes.

botocore's endpoint rules put each region in a partition with its own domain:
``aws`` (amazonaws.com), ``aws-cn`` (amazonaws.com.cn), ``aws-us-gov``
(amazonaws.com), and the isolated ones (``c2s.ic.gov``, ``sc2s.sgov.gov``,
...). xpresign builds hosts for the first three only. A region of an isolated
or unknown partition is refused at start-up rather than signed for a host that
does not exist.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Partition(NamedTuple):
    name: str  # as in ARNs: arn:<name>:iam::...
    dns_suffix: str
    regions: re.Pattern


# The same region patterns as botocore's partitions.json, letters only.
SUPPORTED = (
    Partition("aws", "amazonaws.com", re.compile(r"(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-[0-9]{1,2}")),
    Partition("aws-cn", "amazonaws.com.cn", re.compile(r"cn-[a-z]+-[0-9]{1,2}")),
    Partition("aws-us-gov", "amazonaws.com", re.compile(r"us-gov-[a-z]+-[0-9]{1,2}")),
)
#: Partitions whose endpoints xpresign does not build, by region pattern.
UNSUPPORTED = (
    ("aws-iso", re.compile(r"us-iso-[a-z]+-[0-9]{1,2}")),
    ("aws-iso-b", re.compile(r"us-isob-[a-z]+-[0-9]{1,2}")),
    ("aws-iso-e", re.compile(r"eu-isoe-[a-z]+-[0-9]{1,2}")),
    ("aws-iso-f", re.compile(r"us-isof-[a-z]+-[0-9]{1,2}")),
    ("aws-eusc", re.compile(r"eusc-[a-z]+-[a-z]+-[0-9]{1,2}")),
)
SUPPORTED_NAMES = tuple(p.name for p in SUPPORTED)


class UnsupportedRegion(ValueError):
    """The region is malformed, or in a partition xpresign does not serve."""


def partition_of(region: str) -> Partition:
    """The partition of ``region`` (a full match: no trailing newline slips by)."""
    for partition in SUPPORTED:
        if partition.regions.fullmatch(region):
            return partition
    for name, pattern in UNSUPPORTED:
        if pattern.fullmatch(region):
            raise UnsupportedRegion(
                f"{region!r} is in the {name} partition; xpresign supports {', '.join(SUPPORTED_NAMES)}"
            )
    shown = region if len(region) <= 32 else region[:32] + "…"
    raise UnsupportedRegion(f"{shown!r} is not an AWS region name like 'eu-west-1'")


def dns_suffix(region: str) -> str:
    """``amazonaws.com`` or ``amazonaws.com.cn``. Regions were checked at
    start-up; an unknown one here gets the commercial suffix, as botocore's
    fallback does."""
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"


def service_endpoint(service: str, region: str) -> str:
    """The regional endpoint of ``service``, e.g. ``https://sts.eu-west-1.amazonaws.com``."""
    return f"https://{service}.{region}.{dns_suffix(region)}"
