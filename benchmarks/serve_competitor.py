"""The competitor of ``xpresign serve``: the presigning service a user would write instead.

FastAPI, and boto3's ``generate_presigned_url`` on one client created at import
(cached for the life of the worker process, as its documentation advises),
served by the same server as xpresign (granian, same number of workers) in
:mod:`benchmarks.serve_load`. It answers the same two requests:

* ``GET /?key=...`` -> ``{"url", "bucket", "key", "expires_in"}``
* ``POST /`` ``{"items": [key, ...]}`` -> ``{"results": [{"url", "key"}, ...]}``

The handlers are ``async def``: measured, they serve more requests per second
than plain ``def`` ones (which FastAPI runs on its thread pool), and signing
waits on nothing. Settings come from the environment: the bucket from
``S3_BUCKET``, the region and credentials from boto3's own chain.
"""

from __future__ import annotations

import os

import boto3
from botocore.config import Config
from fastapi import FastAPI
from pydantic import BaseModel

BUCKET = os.environ.get("S3_BUCKET", "classic-movies")
EXPIRES_IN = 900

s3 = boto3.client(
    "s3",
    config=Config(
        signature_version="s3v4", s3={"addressing_style": "virtual", "us_east_1_regional_endpoint": "regional"}
    ),
)
app = FastAPI()


class Batch(BaseModel):
    items: list[str]
    expires_in: int = EXPIRES_IN


def presign(key: str, expires_in: int) -> str:
    return s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=expires_in)


@app.get("/")
async def single(key: str, expires_in: int = EXPIRES_IN) -> dict:
    return {"url": presign(key, expires_in), "bucket": BUCKET, "key": key, "expires_in": expires_in}


@app.post("/")
async def batch(request: Batch) -> dict:
    return {"results": [{"url": presign(key, request.expires_in), "key": key} for key in request.items]}


@app.get("/healthz")
async def health() -> dict:
    return {"status": "ok"}
