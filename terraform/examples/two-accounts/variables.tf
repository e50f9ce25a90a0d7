variable "account_a_id" {
  description = "ID of account A, which owns the bucket."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_a_id))
    error_message = "account_a_id must be a 12-digit AWS account ID."
  }
}

variable "account_b_id" {
  description = "ID of account B, which runs the presigner Lambda function."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_b_id))
    error_message = "account_b_id must be a 12-digit AWS account ID."
  }
}

variable "account_a_region" {
  description = "Region of account A's provider: where the bucket is (or is created)."
  type        = string
  default     = "us-east-1"
}

variable "account_b_region" {
  description = "Region of account B's provider: where the function runs."
  type        = string
  default     = "us-east-1"
}

variable "deploy_role_name" {
  description = "Role Terraform assumes in each account to deploy. OrganizationAccountAccessRole is the role AWS Organizations creates in member accounts."
  type        = string
  default     = "OrganizationAccountAccessRole"
}

variable "bucket_name" {
  description = "Bucket in account A to hand out download URLs for."
  type        = string
}

variable "create_bucket" {
  description = "Create the bucket (hardened) instead of using an existing one."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "With create_bucket, let terraform destroy delete the bucket even when it holds objects."
  type        = bool
  default     = false
}

variable "bucket_alias" {
  description = "Name callers use for the bucket in requests. null uses bucket_name; with a single bucket callers may leave it out entirely."
  type        = string
  default     = null
}

variable "allowed_prefixes" {
  description = "Key prefixes the presigner may sign for, enforced by both the access role's policy and xpresign. null means the whole bucket."
  type        = list(string)
  default     = null
}

variable "external_id" {
  description = "Optional sts:ExternalId the access role requires and the presigner sends."
  type        = string
  default     = null
}

variable "max_expires" {
  description = "Longest URL lifetime granted, seconds. The function reaches the access role by role chaining, so its session lasts at most one hour and a URL stops working when that session ends: values above 3600 cannot make URLs live longer."
  type        = number
  default     = 3600
}

variable "default_expires" {
  description = "URL lifetime when a request names none, seconds."
  type        = number
  default     = 900
}

variable "function_name" {
  description = "Name of the presigner Lambda function in account B."
  type        = string
  default     = "xpresign"
}

variable "lambda_zip" {
  description = "Path of the zip printed by `xpresign build-lambda --output dist` (or `make build-lambda`)."
  type        = string
}

variable "function_url_auth_type" {
  description = "AWS_IAM (default) or NONE for a public function URL; see the presigner module's README before choosing NONE."
  type        = string
  default     = "AWS_IAM"
}

variable "cors_allow_origins" {
  description = "Browser origins allowed to call the function URL."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource, in both accounts."
  type        = map(string)
  default     = {}
}

variable "endpoint_url" {
  description = "For tests only: send every AWS API call of both providers to this endpoint (an emulator such as moto), with path-style S3 and no credential or region validation. Leave null for real AWS."
  type        = string
  default     = null
}
