"""The original guide's Lambda handler, reimplemented faithfully for comparison.

Source: "Simplifying Cross-Account Communication in AWS: A Practical Guide"
(Saimon Hossain), section "Lambda Implementation", the article that first
described the pattern (see the README). What it does, per invocation:

1. ``boto3.client("sts")`` (a new STS client from boto3's default session);
2. ``assume_role`` of account A's S3 access role;
3. ``boto3.Session(...)`` with the temporary credentials, then ``session.client("s3")``;
4. ``s3_client.generate_presigned_url("get_object", ..., ExpiresIn=3600)``.

The published text is damaged by its web page. Only those breaks are mended,
each in the evident way, and nothing is added (no client reuse, no credential
caching, no error handling beyond the article's):

* typographic quotes are plain quotes again; the docstrings get back their
  opening quotes, and the closing quotes run into ``role_arn = ...`` are
  split back onto two lines;
* ``sts_client.assume_role(`` is cut off: its arguments are ``RoleArn`` and
  ``RoleSessionName``, the function's two parameters;
* ``boto3.Session(`` is cut off: its arguments are the three fields of the
  AssumeRole ``Credentials``, which ``get_s3_client`` receives;
* ``s3_client.generate_presigned_url(`` lost its first and last lines:
  ``"get_object"`` and ``ExpiresIn=expiry_time`` (the ``Params=`` line survived);
* the three ``try:`` lines are lost (their indented bodies and ``except``
  clauses survived);
* ``)"Generated presigned URL: %s", presigned_url)`` is ``)`` followed by
  ``logger.info("Generated presigned URL: %s", presigned_url)``;
* the body of ``lambda_handler``'s ``except`` clause is lost: it logs the error
  like the article's other ``except`` clauses (and so returns ``None``);
* the placeholders ``{ACCOUNT_A_ID}`` and ``{S3ACCESS_ROLE}`` in ``role_arn``
  are filled, as the article tells its reader to, with the emulator's
  account A role.

Like the article, the handler reads the bucket from ``S3_BUCKET`` and the key
from ``event["object_key"]``.

The article logs each URL with ``logger.info`` on the root logger; Lambda's
root logger stands at WARNING unless told otherwise, so that line is built but
never written (the benchmarks keep the root logger at WARNING too: a presigned
URL is a bearer token).
"""

import logging
import os
from typing import Any

import boto3
import botocore

logger = logging.getLogger()


def assume_role(role_arn: str, role_session_name: str) -> dict[str, Any]:
    """
    Assume the specified IAM role based on the given role ARN.

    :param role_arn: The ARN of the role to assume.
    :type role_arn: str
    :param role_session_name: A unique name for the assumed role session.
    :type role_session_name: str
    :return: Temporary credentials for the assumed role.
    :rtype: dict
    """
    sts_client = boto3.client("sts")
    try:
        response = sts_client.assume_role(
            RoleArn=role_arn,
            RoleSessionName=role_session_name,
        )
        return response["Credentials"]
    except botocore.exceptions.ClientError as e:
        logger.error("Failed to assume role: %s", e)


def get_s3_client(credentials: dict[str, str]):
    """
    Create an S3 client using the provided access credentials.

    :param credentials: Temporary AWS credentials.
    :type credentials: dict
    :return: S3 client.
    :rtype: boto3.client
    """
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    return session.client("s3")


def generate_presigned_url(s3_client: boto3.client, bucket_name: str, object_key: str, expiry_time: int = 3600) -> str:
    """
    Generate a presigned URL for downloading an S3 object.

    :param s3_client: S3 client.
    :type s3_client: boto3.client
    :param bucket_name: The name of the S3 bucket.
    :type bucket_name: str
    :param object_key: The key of the S3 object.
    :type object_key: str
    :param expiry_time: The expiration time of the presigned URL in seconds, defaults to 3600 seconds.
    :type expiry_time: int
    :return: The generated presigned URL.
    :rtype: str
    """
    try:
        presigned_url = s3_client.generate_presigned_url(
            "get_object",
            Params={"Bucket": bucket_name, "Key": object_key},
            ExpiresIn=expiry_time,
        )
        logger.info("Generated presigned URL: %s", presigned_url)
        return presigned_url
    except botocore.exceptions.ClientError as e:
        logger.error("Failed to generate presigned URL: %s", e)


def lambda_handler(event, context):
    """
    Lambda function to generate a presigned URL.

    :param event: Lambda event.
    :type event: dict
    :param context: Lambda context.
    :type context: LambdaContext
    :return: The generated Presigned URL.
    :rtype: str
    """
    role_arn = "arn:aws:iam::111111111111:role/s3_access_role"
    role_session_name = "UniqueSessionName"
    bucket_name = os.environ.get("S3_BUCKET")
    object_key = event.get("object_key")

    try:
        credentials = assume_role(role_arn, role_session_name)
        s3_client = get_s3_client(credentials)
        return generate_presigned_url(s3_client, bucket_name, object_key)
    except botocore.exceptions.ClientError as e:
        logger.error("Failed to generate presigned URL: %s", e)
