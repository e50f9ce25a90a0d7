# The access role in the bucket owner's account (account A). The presigner in
# account B assumes it and signs URLs with its temporary credentials, so this
# role's permissions are exactly what a URL can ever reach.

data "aws_partition" "current" {}

# An existing bucket is looked up, not assumed: a typo in bucket_name fails
# the plan instead of producing a role that grants nothing, and the lookup
# gives the bucket's real region (the SigV4 signing region).
data "aws_s3_bucket" "existing" {
  count = var.create_bucket ? 0 : 1

  bucket = var.bucket_name
}

locals {
  # "" under a trailing * is the whole bucket.
  prefixes = var.allowed_prefixes == null ? [""] : distinct(var.allowed_prefixes)

  bucket_arn    = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"
  bucket_region = var.create_bucket ? aws_s3_bucket.this[0].region : data.aws_s3_bucket.existing[0].region

  role_name = coalesce(var.role_name, substr("xpresign-${var.bucket_name}", 0, 64))

  # SetSourceIdentity and TagSession are checked against the trust policy as
  # separate actions of the same AssumeRole call; without them in the trust
  # policy a presigner that sends a source identity or tags is refused.
  trust_actions = concat(
    ["sts:AssumeRole"],
    var.allow_source_identity ? ["sts:SetSourceIdentity"] : [],
    var.allow_session_tags ? ["sts:TagSession"] : [],
  )
}

################################################################################
# Role
################################################################################

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "PresignerRoles"
    effect  = "Allow"
    actions = local.trust_actions

    # Exact role ARNs: an account ID or :root here would let every principal
    # in account B that is allowed sts:AssumeRole use this role.
    principals {
      type        = "AWS"
      identifiers = var.trusted_role_arns
    }

    dynamic "condition" {
      for_each = var.external_id == null ? [] : [var.external_id]

      content {
        test     = "StringEquals"
        variable = "sts:ExternalId"
        values   = [condition.value]
      }
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = local.role_name
  path                 = var.role_path
  description          = "Assumed by the xpresign presigner to sign download URLs for s3://${var.bucket_name}"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}

data "aws_iam_policy_document" "access" {
  statement {
    sid       = "GetObjectsUnderAllowedPrefixes"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [for p in local.prefixes : "${local.bucket_arn}/${p}*"]
  }

  dynamic "statement" {
    for_each = var.allow_list ? [true] : []

    content {
      sid       = "ListUnderAllowedPrefixes"
      effect    = "Allow"
      actions   = ["s3:ListBucket"]
      resources = [local.bucket_arn]

      # ListBucket is a bucket-level action: the key space is limited by the
      # prefix the request names, not by the resource ARN.
      dynamic "condition" {
        for_each = var.allowed_prefixes == null ? [] : [true]

        content {
          test     = "StringLike"
          variable = "s3:prefix"
          values   = [for p in local.prefixes : "${p}*"]
        }
      }
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "DecryptObjectsThroughS3"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      # Only S3 (serving a presigned GET) may use the key on the role's
      # behalf; the role cannot call kms:Decrypt directly.
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.bucket_region}.${data.aws_partition.current.dns_suffix}"]
      }
    }
  }
}

# An inline policy lives and dies with the role. The original guide used
# aws_iam_policy_attachment, which owns *every* attachment of its policy in
# the account and silently detaches it from roles Terraform does not know.
resource "aws_iam_role_policy" "this" {
  name   = "xpresign-read"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.access.json
}

################################################################################
# Bucket (optional)
################################################################################

resource "aws_s3_bucket" "this" {
  count = var.create_bucket ? 1 : 0

  #checkov:skip=CKV_AWS_18:Server access logs need a log bucket that belongs to the organisation's logging design, not to this module; CloudTrail S3 data events in account A record every presigned GET with the role session that signed it.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice for the data owner (it needs a second bucket and region); it does not affect who can read through presigned URLs.
  #checkov:skip=CKV2_AWS_62:Event notifications have no consumer here; the presigner only reads.
  #checkov:skip=CKV2_AWS_61:Lifecycle rules depend on the data's retention policy, which the bucket owner decides; versioning is on, so add noncurrent-version expiry alongside this module.
  #checkov:skip=CKV_AWS_145:Default encryption is SSE-S3 unless kms_key_arn is set, then SSE-KMS with that key; a customer-managed key is the owner's choice, not a requirement for presigned downloads.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy

  tags = var.tags
}

resource "aws_s3_bucket_public_access_block" "this" {
  count = var.create_bucket ? 1 : 0

  bucket                  = aws_s3_bucket.this[0].id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

# ACLs disabled: the bucket owner owns every object, so the access role's
# s3:GetObject covers objects written by anyone.
resource "aws_s3_bucket_ownership_controls" "this" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    # Bucket keys cut KMS calls (and cost) for SSE-KMS; meaningless for SSE-S3.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_versioning" "this" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  versioning_configuration {
    status = "Enabled"
  }
}
