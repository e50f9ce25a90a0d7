# Two accounts, one configuration: the bucket owner (A) and the presigner (B).
# Each provider reaches its own account, through a deployment role it assumes
# (deploy_role_name) or a profile of its own (account_a_profile,
# account_b_profile), and allowed_account_ids stops the run if it lands
# anywhere else.

locals {
  # Everything below is null (provider defaults) unless endpoint_url is set.
  emulated = var.endpoint_url != null

  # The partition follows the region, so China and GovCloud accounts get
  # their own ARNs (providers cannot read it from a data source).
  partition_a = startswith(var.account_a_region, "cn-") ? "aws-cn" : startswith(var.account_a_region, "us-gov-") ? "aws-us-gov" : "aws"
  partition_b = startswith(var.account_b_region, "cn-") ? "aws-cn" : startswith(var.account_b_region, "us-gov-") ? "aws-us-gov" : "aws"

  # A name nobody else has taken: bucket names are global.
  bucket_name  = coalesce(var.bucket_name, "xpresign-${var.account_a_id}-${var.account_a_region}")
  bucket_alias = coalesce(var.bucket_alias, local.bucket_name)
}

provider "aws" {
  alias   = "account_a"
  region  = var.account_a_region
  profile = var.account_a_profile

  dynamic "assume_role" {
    for_each = var.deploy_role_name == null ? [] : [var.deploy_role_name]

    content {
      role_arn     = "arn:${local.partition_a}:iam::${var.account_a_id}:role/${assume_role.value}"
      session_name = "terraform-xpresign"
    }
  }

  # A wrong account ID (or a role or profile that leads elsewhere) stops the plan.
  allowed_account_ids = [var.account_a_id]

  default_tags {
    tags = var.tags
  }

  endpoints {
    apigatewayv2 = var.endpoint_url
    iam          = var.endpoint_url
    kms          = var.endpoint_url
    lambda       = var.endpoint_url
    logs         = var.endpoint_url
    s3           = var.endpoint_url
    ssm          = var.endpoint_url
    sts          = var.endpoint_url
  }
  s3_use_path_style           = local.emulated
  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_region_validation      = local.emulated
}

provider "aws" {
  alias   = "account_b"
  region  = var.account_b_region
  profile = var.account_b_profile

  dynamic "assume_role" {
    for_each = var.deploy_role_name == null ? [] : [var.deploy_role_name]

    content {
      role_arn     = "arn:${local.partition_b}:iam::${var.account_b_id}:role/${assume_role.value}"
      session_name = "terraform-xpresign"
    }
  }

  allowed_account_ids = [var.account_b_id]

  default_tags {
    tags = var.tags
  }

  endpoints {
    apigatewayv2 = var.endpoint_url
    iam          = var.endpoint_url
    kms          = var.endpoint_url
    lambda       = var.endpoint_url
    logs         = var.endpoint_url
    s3           = var.endpoint_url
    ssm          = var.endpoint_url
    sts          = var.endpoint_url
  }
  s3_use_path_style           = local.emulated
  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_region_validation      = local.emulated
}

# Account A: the access role (and, optionally, the bucket). It trusts exactly
# the presigner's execution role from account B...
module "bucket_access" {
  source = "../../modules/bucket-access"
  providers = {
    aws = aws.account_a
  }

  bucket_name           = local.bucket_name
  create_bucket         = var.create_bucket
  force_destroy         = var.force_destroy
  trusted_role_arns     = [module.presigner.role_arn]
  external_id           = var.external_id
  allowed_prefixes      = var.allowed_prefixes
  allow_object_versions = var.allow_object_versions
  upload_prefixes       = var.upload_prefixes
  # Browser uploads go straight to the bucket: the same origins as the
  # presigner's. Only on a bucket the module creates.
  cors_allowed_origins = var.create_bucket && length(var.upload_prefixes) > 0 ? var.cors_allow_origins : []
}

# ...and account B's function may assume exactly that access role.
module "presigner" {
  source = "../../modules/presigner"
  providers = {
    aws = aws.account_b
  }

  function_name          = var.function_name
  lambda_zip             = var.lambda_zip
  create_function_url    = var.create_function_url
  function_url_auth_type = var.function_url_auth_type
  invoker_principals     = var.invoker_principals
  cors_allow_origins     = var.cors_allow_origins
  create_log_group       = var.create_log_group

  buckets = {
    (local.bucket_alias) = merge(module.bucket_access.presigner_bucket, {
      max_expires     = var.max_expires
      default_expires = var.default_expires
      max_upload_size = var.max_upload_size
    })
  }

  # Uploads configured: Uppy's Companion routes upload into this bucket.
  companion_bucket       = length(var.upload_prefixes) > 0 ? local.bucket_alias : null
  create_http_api        = var.create_http_api
  http_api_jwt_issuer    = var.jwt_issuer
  http_api_jwt_audiences = var.jwt_audiences
}
