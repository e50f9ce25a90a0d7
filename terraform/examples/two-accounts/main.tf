# Two accounts, one configuration: the bucket owner (A) and the presigner (B).
# Each provider assumes a deployment role in its own account, so a resource
# can only land in the account its provider names.

locals {
  # Everything below is null (provider defaults) unless endpoint_url is set.
  emulated = var.endpoint_url != null
}

provider "aws" {
  alias  = "account_a"
  region = var.account_a_region

  assume_role {
    role_arn     = "arn:aws:iam::${var.account_a_id}:role/${var.deploy_role_name}"
    session_name = "terraform-xpresign"
  }

  # A wrong account ID (or a role that leads elsewhere) stops the plan.
  allowed_account_ids = [var.account_a_id]

  default_tags {
    tags = var.tags
  }

  endpoints {
    iam    = var.endpoint_url
    kms    = var.endpoint_url
    lambda = var.endpoint_url
    logs   = var.endpoint_url
    s3     = var.endpoint_url
    sts    = var.endpoint_url
  }
  s3_use_path_style           = local.emulated
  skip_credentials_validation = local.emulated
  skip_metadata_api_check     = local.emulated
  skip_region_validation      = local.emulated
}

provider "aws" {
  alias  = "account_b"
  region = var.account_b_region

  assume_role {
    role_arn     = "arn:aws:iam::${var.account_b_id}:role/${var.deploy_role_name}"
    session_name = "terraform-xpresign"
  }

  allowed_account_ids = [var.account_b_id]

  default_tags {
    tags = var.tags
  }

  endpoints {
    iam    = var.endpoint_url
    kms    = var.endpoint_url
    lambda = var.endpoint_url
    logs   = var.endpoint_url
    s3     = var.endpoint_url
    sts    = var.endpoint_url
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

  bucket_name       = var.bucket_name
  create_bucket     = var.create_bucket
  force_destroy     = var.force_destroy
  trusted_role_arns = [module.presigner.role_arn]
  external_id       = var.external_id
  allowed_prefixes  = var.allowed_prefixes
}

# ...and account B's function may assume exactly that access role.
module "presigner" {
  source = "../../modules/presigner"
  providers = {
    aws = aws.account_b
  }

  function_name          = var.function_name
  lambda_zip             = var.lambda_zip
  function_url_auth_type = var.function_url_auth_type
  cors_allow_origins     = var.cors_allow_origins

  buckets = {
    (coalesce(var.bucket_alias, var.bucket_name)) = merge(module.bucket_access.presigner_bucket, {
      max_expires     = var.max_expires
      default_expires = var.default_expires
    })
  }
}
