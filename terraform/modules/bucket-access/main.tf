# The access role in the bucket owner's account (account A). The presigner in
# account B assumes it and signs URLs with its temporary credentials, so this
# role's permissions are exactly what a URL can ever reach.

data "aws_partition" "current" {}

# An existing bucket is looked up, not assumed: a typo in bucket_name fails
# the plan instead of producing a role that grants nothing, and the lookup
# gives the bucket's real region (the SigV4 signing region). That holds for
# provider 5.x only: from 6.0 `region` is the provider's region, which is why
# versions.tf stops below 6.0.
data "aws_s3_bucket" "existing" {
  count = var.create_bucket ? 0 : 1

  bucket = var.bucket_name

  lifecycle {
    # A CORS configuration replaces the bucket's whole configuration, and a
    # lifecycle configuration likewise: neither is ever put on a bucket this
    # module does not own.
    precondition {
      condition     = length(var.cors_allowed_origins) == 0
      error_message = "cors_allowed_origins applies only with create_bucket = true: a bucket CORS configuration replaces the owner's whole configuration, so the module never writes one to an existing bucket. Add the rule (PUT and POST from your origins, AllowedHeaders content-type and x-amz-checksum-sha256, ExposeHeaders ETag and Location) to the bucket's own configuration instead."
    }
  }
}

locals {
  partition = data.aws_partition.current.partition

  # "" under a trailing * is the whole bucket. IAM matches PREFIX* and
  # xpresign matches str.startswith(PREFIX): the same rule, so "movies"
  # (no slash) also admits "movies-private/...", in both places.
  read_prefixes   = var.allowed_prefixes == null ? [""] : distinct(var.allowed_prefixes)
  upload_prefixes = distinct(var.upload_prefixes)

  bucket_arn    = "arn:${local.partition}:s3:::${var.bucket_name}"
  bucket_region = var.create_bucket ? aws_s3_bucket.this[0].region : data.aws_s3_bucket.existing[0].region

  role_name = var.create_role ? coalesce(var.role_name, substr("xpresign-${var.bucket_name}", 0, 64)) : var.role_name
  role_arn  = var.create_role ? aws_iam_role.this[0].arn : data.aws_iam_role.existing[0].arn

  # Versioned reads (?versionId=) are s3:GetObjectVersion, not s3:GetObject.
  # The module versions the buckets it creates, so there it is on by default;
  # an existing bucket's versioning cannot be read here, so it is opt-in.
  allow_object_versions = coalesce(var.allow_object_versions, var.create_bucket)

  # Reads need kms:Decrypt; single PUTs need kms:GenerateDataKey, and
  # multipart uploads both.
  kms_actions = concat(["kms:Decrypt"], length(local.upload_prefixes) > 0 ? ["kms:GenerateDataKey"] : [])
  kms_via_s3  = "s3.${local.bucket_region}.${data.aws_partition.current.dns_suffix}"

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
  count = var.create_role ? 1 : 0

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

    # Further guards the organisation wants, e.g. aws:PrincipalOrgID.
    dynamic "condition" {
      for_each = var.trust_policy_conditions

      content {
        test     = condition.value.test
        variable = condition.value.variable
        values   = condition.value.values
      }
    }
  }
}

resource "aws_iam_role" "this" {
  count = var.create_role ? 1 : 0

  name                 = local.role_name
  path                 = var.role_path
  description          = "Assumed by the xpresign presigner to sign URLs for s3://${var.bucket_name}"
  assume_role_policy   = data.aws_iam_policy_document.trust[0].json
  max_session_duration = var.max_session_duration
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags

  lifecycle {
    precondition {
      condition     = length(var.trusted_role_arns) > 0
      error_message = "trusted_role_arns needs at least one role ARN when the module creates the role (create_role = true)."
    }
  }
}

# create_role = false: an existing role gets the inline policy below and
# nothing else. Its trust policy stays its owner's, so the settings that only
# shape a trust policy are refused rather than silently ignored.
data "aws_iam_role" "existing" {
  count = var.create_role ? 0 : 1

  name = var.role_name

  lifecycle {
    precondition {
      condition     = var.role_name != null
      error_message = "role_name must name the existing role when create_role = false."
    }

    precondition {
      condition     = length(var.trusted_role_arns) == 0 && length(var.trust_policy_conditions) == 0 && !var.allow_source_identity && !var.allow_session_tags
      error_message = "With create_role = false the existing role's trust policy stays its owner's: trusted_role_arns, trust_policy_conditions, allow_source_identity and allow_session_tags must be left unset. Trust the presigner's role in that policy yourself."
    }
  }
}

data "aws_iam_policy_document" "access" {
  statement {
    sid       = "GetObjectsUnderAllowedPrefixes"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = [for p in local.read_prefixes : "${local.bucket_arn}/${p}*"]
  }

  dynamic "statement" {
    for_each = local.allow_object_versions ? [true] : []

    content {
      sid       = "GetObjectVersionsUnderAllowedPrefixes"
      effect    = "Allow"
      actions   = ["s3:GetObjectVersion"]
      resources = [for p in local.read_prefixes : "${local.bucket_arn}/${p}*"]
    }
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
          values   = [for p in local.read_prefixes : "${p}*"]
        }
      }
    }
  }

  # Uploads are configured apart from reads: none unless upload_prefixes says
  # where. Multipart needs the abort and list-parts actions on the same keys;
  # CreateMultipartUpload, UploadPart and CompleteMultipartUpload are
  # authorised as s3:PutObject.
  dynamic "statement" {
    for_each = length(local.upload_prefixes) > 0 ? [true] : []

    content {
      sid       = "UploadUnderUploadPrefixes"
      effect    = "Allow"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"]
      resources = [for p in local.upload_prefixes : "${local.bucket_arn}/${p}*"]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "UseObjectKeyThroughS3"
      effect    = "Allow"
      actions   = local.kms_actions
      resources = [statement.value]

      # Only S3 (serving a presigned request) may use the key on the role's
      # behalf; the role cannot call KMS directly.
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = [local.kms_via_s3]
      }
    }
  }
}

# An inline policy lives and dies with the role. The original guide used
# aws_iam_policy_attachment, which owns *every* attachment of its policy in
# the account and silently detaches it from roles Terraform does not know.
# The bucket in the name keeps two module instances that share an existing
# role (create_role = false) from overwriting each other's policy.
resource "aws_iam_role_policy" "this" {
  name   = "xpresign-${var.bucket_name}"
  role   = var.create_role ? aws_iam_role.this[0].id : data.aws_iam_role.existing[0].id
  policy = data.aws_iam_policy_document.access.json
}

# For the key's owner (this account or a third one): the key-policy statement
# that lets the access role use the key through S3. Needed when the key
# policy does not let IAM policies grant access (no "Enable IAM User
# Permissions" statement for this account), and always for a key in another
# account, whose key policy must name the role (or account A) itself.
data "aws_iam_policy_document" "kms_key_policy" {
  count = var.kms_key_arn == null ? 0 : 1

  statement {
    sid       = "XpresignAccessRoleThroughS3"
    effect    = "Allow"
    actions   = local.kms_actions
    resources = ["*"] # in a key policy, "*" is the key itself

    principals {
      type        = "AWS"
      identifiers = [local.role_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values   = [local.kms_via_s3]
    }
  }
}

################################################################################
# Bucket (optional)
################################################################################

resource "aws_s3_bucket" "this" {
  count = var.create_bucket ? 1 : 0

  #checkov:skip=CKV_AWS_18:Server access logs need a log bucket that belongs to the organisation's logging design, not to this module; CloudTrail S3 data events in account A record every presigned request with the role session that signed it.
  #checkov:skip=CKV_AWS_144:Cross-region replication is a disaster-recovery choice for the data owner (it needs a second bucket and region); it does not affect who can read through presigned URLs.
  #checkov:skip=CKV2_AWS_62:Event notifications have no consumer in this module; add them alongside it when uploads should trigger processing.
  #checkov:skip=CKV_AWS_145:Default encryption is SSE-S3 unless kms_key_arn is set, then SSE-KMS with that key; a customer-managed key is the owner's choice, not a requirement for presigned requests.
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

# Presigned URLs are bearer tokens: refuse them over plain HTTP.
data "aws_iam_policy_document" "bucket" {
  count = var.create_bucket ? 1 : 0

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [local.bucket_arn, "${local.bucket_arn}/*"]

    principals {
      type        = "*"
      identifiers = ["*"]
    }

    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id
  policy = data.aws_iam_policy_document.bucket[0].json

  # S3 refuses concurrent changes to a bucket's policy and its public access block.
  depends_on = [aws_s3_bucket_public_access_block.this]
}

# Uploads leave parts behind when a browser goes away mid-upload, and
# versioning keeps every overwritten object: both cost money until removed.
resource "aws_s3_bucket_lifecycle_configuration" "this" {
  count = var.create_bucket ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  rule {
    id     = "xpresign-housekeeping"
    status = "Enabled"

    filter {}

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }

    dynamic "noncurrent_version_expiration" {
      for_each = var.noncurrent_version_expiration_days == null ? [] : [var.noncurrent_version_expiration_days]

      content {
        noncurrent_days = noncurrent_version_expiration.value
      }
    }
  }

  # Noncurrent-version rules need versioning in place first.
  depends_on = [aws_s3_bucket_versioning.this]
}

# Browser uploads go straight to S3 with a presigned PUT or POST, so S3 must
# answer the browser's preflight. Created buckets only (see the precondition
# on data.aws_s3_bucket.existing).
resource "aws_s3_bucket_cors_configuration" "this" {
  count = var.create_bucket && length(var.cors_allowed_origins) > 0 ? 1 : 0

  bucket = aws_s3_bucket.this[0].id

  cors_rule {
    id              = "xpresign-browser-uploads"
    allowed_methods = ["PUT", "POST"]
    allowed_origins = var.cors_allowed_origins
    # What a presigned PUT may sign and the browser must send; the rest of a
    # POST form is body fields, not headers.
    allowed_headers = ["content-type", "x-amz-checksum-sha256"]
    # Uppy reads ETag from every upload response (each multipart part's ETag
    # completes the upload; hidden, an upload never finishes) and, after a
    # POST upload, Location: the uploaded object's URL.
    expose_headers  = ["ETag", "Location"]
    max_age_seconds = 3000
  }
}
