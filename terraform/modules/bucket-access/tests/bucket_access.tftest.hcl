# Offline tests of the paths the moto end-to-end run never applies. A mock
# provider answers every call, so the assertions read what the module asks
# for: the statements of each policy document (a mock cannot render their
# JSON), resource arguments, preconditions and validations.

mock_provider "aws" {
  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  # An existing bucket in another region than the provider's: its region is
  # what URLs must be signed for.
  mock_data "aws_s3_bucket" {
    defaults = {
      arn    = "arn:aws:s3:::classic-movies"
      region = "eu-west-1"
    }
  }

  mock_data "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/owners-role"
      id  = "owners-role"
    }
  }

  mock_resource "aws_s3_bucket" {
    defaults = {
      arn    = "arn:aws:s3:::classic-movies"
      region = "us-east-2"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
    }
  }
}

variables {
  bucket_name       = "classic-movies"
  trusted_role_arns = ["arn:aws:iam::222222222222:role/xpresign"]
  allowed_prefixes  = ["movies/"]
}

run "existing_bucket_signs_for_its_own_region" {
  assert {
    condition     = output.bucket_region == "eu-west-1" && output.presigner_bucket.region == "eu-west-1"
    error_message = "An existing bucket's region must come from the bucket, not the provider."
  }

  assert {
    condition     = length(aws_s3_bucket.this) == 0 && length(aws_s3_bucket_policy.this) == 0 && length(aws_s3_bucket_cors_configuration.this) == 0 && length(aws_s3_bucket_lifecycle_configuration.this) == 0
    error_message = "Nothing may be written to a bucket the module does not create."
  }

  assert {
    condition = [for s in data.aws_iam_policy_document.access.statement : { sid = s.sid, actions = s.actions, resources = s.resources }] == [
      { sid = "GetObjectsUnderAllowedPrefixes", actions = toset(["s3:GetObject"]), resources = toset(["arn:aws:s3:::classic-movies/movies/*"]) },
    ]
    error_message = "By default the role may only get objects under the prefix (no versions: the bucket's versioning is unknown)."
  }

  assert {
    condition     = aws_iam_role_policy.this.name == "xpresign-classic-movies" && aws_iam_role.this[0].name == "xpresign-classic-movies"
    error_message = "The role and its inline policy are named after the bucket."
  }

  assert {
    condition     = output.kms_key_policy_json == null && output.presigner_bucket.upload_prefixes == null
    error_message = "No key policy without a key, and no upload prefixes without uploads."
  }
}

run "created_bucket_is_hardened_and_versions_are_readable" {
  variables {
    create_bucket = true
  }

  assert {
    condition     = output.bucket_region == "us-east-2"
    error_message = "A created bucket's region is the bucket resource's."
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.access.statement : s.actions if s.sid == "GetObjectVersionsUnderAllowedPrefixes"] == [toset(["s3:GetObjectVersion"])]
    error_message = "Created buckets are versioned, so the role may read versions by default."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.bucket[0].statement : s if s.sid == "DenyInsecureTransport"]).effect == "Deny" && one(one(data.aws_iam_policy_document.bucket[0].statement).condition).values == tolist(["false"]) && one(one(data.aws_iam_policy_document.bucket[0].statement).condition).variable == "aws:SecureTransport"
    error_message = "The bucket policy must deny requests without TLS."
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.this[0].rule[0].abort_incomplete_multipart_upload).days_after_initiation == 7 && one(aws_s3_bucket_lifecycle_configuration.this[0].rule[0].noncurrent_version_expiration).noncurrent_days == 90
    error_message = "Lifecycle: abort incomplete uploads after 7 days, expire noncurrent versions after 90."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "SSE-S3 without a KMS key."
  }

  assert {
    condition     = length(aws_s3_bucket_cors_configuration.this) == 0
    error_message = "No CORS rule unless origins are given."
  }
}

run "versions_can_be_turned_off_and_expiry_kept_forever" {
  variables {
    create_bucket                      = true
    allow_object_versions              = false
    noncurrent_version_expiration_days = null
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.access.statement : s if contains(s.actions, "s3:GetObjectVersion")]) == 0
    error_message = "allow_object_versions = false must leave s3:GetObjectVersion out."
  }

  assert {
    condition     = length(aws_s3_bucket_lifecycle_configuration.this[0].rule[0].noncurrent_version_expiration) == 0
    error_message = "null noncurrent_version_expiration_days keeps old versions."
  }
}

run "kms_key_through_s3_only" {
  variables {
    create_bucket   = true
    kms_key_arn     = "arn:aws:kms:us-east-2:333333333333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    upload_prefixes = ["incoming/"]
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "UseObjectKeyThroughS3"]).actions == toset(["kms:Decrypt", "kms:GenerateDataKey"])
    error_message = "Reads need kms:Decrypt and uploads kms:GenerateDataKey."
  }

  assert {
    condition     = one(one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "UseObjectKeyThroughS3"]).condition).values == tolist(["s3.us-east-2.amazonaws.com"])
    error_message = "The key may be used only through S3 in the bucket's region."
  }

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms" && one(aws_s3_bucket_server_side_encryption_configuration.this[0].rule).bucket_key_enabled
    error_message = "A created bucket uses the key by default, with a bucket key."
  }

  assert {
    condition     = one(one(data.aws_iam_policy_document.kms_key_policy[0].statement).principals).identifiers == toset(["arn:aws:iam::111111111111:role/xpresign-classic-movies"])
    error_message = "The key-policy statement for the key's owner names the access role."
  }

  assert {
    condition     = output.kms_key_policy_json != null
    error_message = "kms_key_policy_json is set with a key."
  }
}

run "kms_key_for_reads_only" {
  variables {
    kms_key_arn = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "UseObjectKeyThroughS3"]).actions == toset(["kms:Decrypt"])
    error_message = "Without uploads the role only decrypts."
  }
}

run "allow_list_is_limited_to_the_prefixes" {
  variables {
    allow_list = true
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "ListUnderAllowedPrefixes"]).resources == toset(["arn:aws:s3:::classic-movies"])
    error_message = "ListBucket is granted on the bucket ARN."
  }

  assert {
    condition     = one(one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "ListUnderAllowedPrefixes"]).condition).values == tolist(["movies/*"])
    error_message = "ListBucket is limited by an s3:prefix condition."
  }
}

run "whole_bucket_reads_list_without_condition" {
  variables {
    allowed_prefixes = null
    allow_list       = true
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "GetObjectsUnderAllowedPrefixes"]).resources == toset(["arn:aws:s3:::classic-movies/*"])
    error_message = "null allowed_prefixes is the whole bucket."
  }

  assert {
    condition     = length(one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "ListUnderAllowedPrefixes"]).condition) == 0
    error_message = "Whole-bucket listing needs no prefix condition."
  }
}

run "prefix_without_slash_is_a_plain_prefix" {
  variables {
    allowed_prefixes = ["movies", "trailers/"]
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "GetObjectsUnderAllowedPrefixes"]).resources == toset(["arn:aws:s3:::classic-movies/movies*", "arn:aws:s3:::classic-movies/trailers/*"])
    error_message = "IAM's PREFIX* is xpresign's str.startswith(PREFIX): movies admits movies-private/... in both."
  }
}

run "uploads_only_under_upload_prefixes" {
  variables {
    upload_prefixes = ["incoming/", "incoming/", "drop/"]
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "UploadUnderUploadPrefixes"]).actions == toset(["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"])
    error_message = "Uploads get PutObject, AbortMultipartUpload and ListMultipartUploadParts."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.access.statement : s if s.sid == "UploadUnderUploadPrefixes"]).resources == toset(["arn:aws:s3:::classic-movies/incoming/*", "arn:aws:s3:::classic-movies/drop/*"])
    error_message = "Upload actions apply to the upload prefixes only."
  }

  assert {
    condition     = output.presigner_bucket.upload_prefixes == tolist(["incoming/", "incoming/", "drop/"])
    error_message = "presigner_bucket passes the upload prefixes on."
  }
}

run "browser_upload_cors_on_created_bucket" {
  variables {
    create_bucket        = true
    upload_prefixes      = ["incoming/"]
    cors_allowed_origins = ["https://app.example.com"]
  }

  assert {
    condition = [for r in aws_s3_bucket_cors_configuration.this[0].cors_rule : {
      methods = r.allowed_methods, origins = r.allowed_origins, headers = r.allowed_headers, expose = r.expose_headers
      }] == [{
      methods = toset(["PUT", "POST"]), origins = toset(["https://app.example.com"]),
      headers = toset(["content-type", "x-amz-checksum-sha256"]), expose = toset(["ETag", "Location"])
    }]
    error_message = "The CORS rule allows PUT and POST from the origins, the content-type and checksum headers, and exposes ETag (every upload) and Location (Uppy's POST uploads)."
  }
}

run "no_cors_on_an_existing_bucket" {
  command = plan

  variables {
    cors_allowed_origins = ["https://app.example.com"]
  }

  expect_failures = [data.aws_s3_bucket.existing]
}

run "trust_policy_conditions_pass_through" {
  variables {
    external_id = "b7f3c1d2"
    trust_policy_conditions = [
      { test = "StringEquals", variable = "aws:PrincipalOrgID", values = ["o-abc123def4"] },
    ]
  }

  assert {
    condition = { for c in one(data.aws_iam_policy_document.trust[0].statement).condition : c.variable => c.values } == {
      "sts:ExternalId"     = tolist(["b7f3c1d2"])
      "aws:PrincipalOrgID" = tolist(["o-abc123def4"])
    }
    error_message = "The trust statement carries the ExternalId and the extra conditions."
  }

  assert {
    condition     = one(one(data.aws_iam_policy_document.trust[0].statement).principals).identifiers == toset(["arn:aws:iam::222222222222:role/xpresign"])
    error_message = "The trust policy names exactly the presigner roles."
  }
}

run "existing_role_gets_only_the_inline_policy" {
  variables {
    create_role       = false
    role_name         = "owners-role"
    trusted_role_arns = []
    external_id       = "b7f3c1d2"
  }

  assert {
    condition     = length(aws_iam_role.this) == 0 && length(data.aws_iam_policy_document.trust) == 0
    error_message = "No role and no trust policy are created."
  }

  assert {
    condition     = aws_iam_role_policy.this.role == "owners-role" && aws_iam_role_policy.this.name == "xpresign-classic-movies"
    error_message = "The inline policy goes on the named role."
  }

  assert {
    condition     = output.role_arn == "arn:aws:iam::111111111111:role/owners-role" && output.presigner_bucket.role_arn == output.role_arn && output.presigner_bucket.external_id == "b7f3c1d2"
    error_message = "The presigner entry names the existing role and its external ID."
  }
}

run "existing_role_refuses_trust_settings" {
  command = plan

  variables {
    create_role = false
    role_name   = "owners-role"
  }

  expect_failures = [data.aws_iam_role.existing]
}

run "existing_role_needs_a_name" {
  command = plan

  variables {
    create_role       = false
    trusted_role_arns = []
  }

  expect_failures = [data.aws_iam_role.existing]
}

run "created_role_needs_trusted_roles" {
  command = plan

  variables {
    trusted_role_arns = []
  }

  expect_failures = [aws_iam_role.this]
}

run "account_root_is_not_a_trusted_role" {
  command = plan

  variables {
    trusted_role_arns = ["arn:aws:iam::222222222222:root"]
  }

  expect_failures = [var.trusted_role_arns]
}

run "an_existing_bucket_may_have_a_legacy_name" {
  command = plan

  variables {
    bucket_name = "Legacy_Bucket.v2"
  }

  assert {
    condition     = output.bucket_name == "Legacy_Bucket.v2"
    error_message = "A bucket made under S3's legacy naming rule is still a bucket to sign for."
  }
}

run "a_created_bucket_follows_todays_naming_rules" {
  command = plan

  variables {
    bucket_name   = "Legacy_Bucket.v2"
    create_bucket = true
  }

  expect_failures = [var.bucket_name]
}

run "prefixes_refuse_wildcards" {
  command = plan

  variables {
    allowed_prefixes = ["movies/*"]
    upload_prefixes  = [""]
  }

  expect_failures = [var.allowed_prefixes, var.upload_prefixes]
}

run "cors_origins_are_origins" {
  command = plan

  variables {
    create_bucket        = true
    cors_allowed_origins = ["https://app.example.com/upload"]
  }

  expect_failures = [var.cors_allowed_origins]
}

################################################################################
# S3's bucket naming rules, beyond characters and length
################################################################################

run "bucket_name_with_dots_digits_and_reserved_words_inside" {
  command = plan

  variables {
    bucket_name = "192.168.5.4.xn--media.sthree-s3alias.mrap-x-s3"
  }

  assert {
    condition     = output.bucket_name == "192.168.5.4.xn--media.sthree-s3alias.mrap-x-s3" && output.presigner_bucket.bucket == output.bucket_name
    error_message = "Reserved prefixes and suffixes only count at the ends, and four numbers are an IP address only on their own."
  }
}

run "bucket_name_refuses_adjacent_dots" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "classic..movies"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_refuses_an_ip_address" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "192.168.5.4"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_refuses_the_xn_prefix" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "xn--classic-movies"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_refuses_the_sthree_prefix" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "sthree-classic-movies"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_refuses_the_demo_prefix" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "amzn-s3-demo-classic-movies"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_refuses_the_access_point_alias_suffix" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "classic-movies-s3alias"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_refuses_the_object_lambda_suffix" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "classic-movies--ol-s3"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_refuses_the_multi_region_suffix" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "classic-movies.mrap"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_refuses_the_directory_bucket_suffix" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "classic-movies--usw2-az1--x-s3"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_refuses_the_table_bucket_suffix" {
  command = plan

  variables {
    create_bucket = true
    bucket_name   = "classic-movies--table-s3"
  }

  expect_failures = [var.bucket_name]
}
