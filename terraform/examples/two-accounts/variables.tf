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
  description = "Role Terraform assumes in each account to deploy (OrganizationAccountAccessRole is the role AWS Organizations creates in member accounts). null assumes nothing: each provider uses its profile or the default credentials."
  type        = string
  default     = "OrganizationAccountAccessRole"
}

variable "account_a_profile" {
  description = "AWS CLI profile (an SSO profile, say) for account A's provider. null: the default credential chain."
  type        = string
  default     = null
}

variable "account_b_profile" {
  description = "AWS CLI profile for account B's provider. null: the default credential chain."
  type        = string
  default     = null
}

variable "bucket_name" {
  description = "Bucket in account A to hand out URLs for. null uses xpresign-ACCOUNT_A_ID-ACCOUNT_A_REGION, a name no other account will have taken (bucket names are global)."
  type        = string
  default     = null
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

variable "allow_object_versions" {
  description = "Let the access role read object versions (a request's version_id). null: on with create_bucket, which versions the bucket."
  type        = bool
  default     = null
}

variable "upload_prefixes" {
  description = "Key prefixes the presigner may sign uploads for. Empty: downloads only. With uploads, the bucket is also Uppy's Companion bucket."
  type        = list(string)
  default     = []
}

variable "max_upload_size" {
  description = "Largest upload, bytes. null keeps xpresign's default (5 GiB)."
  type        = number
  default     = null
}

variable "external_id" {
  description = "Optional sts:ExternalId the access role requires and the presigner sends."
  type        = string
  default     = null
}

variable "max_expires" {
  description = "Longest URL lifetime granted, seconds, at most 3600. The function reaches the access role by role chaining, so its session lasts at most one hour and a URL stops working when that session ends."
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

variable "create_function_url" {
  description = "Give the function a function URL. Set false in a region without Lambda function URLs; direct invokes and the HTTP API still work."
  type        = bool
  default     = true
}

variable "function_url_auth_type" {
  description = "AWS_IAM (default) or NONE for a public function URL; see the presigner module's README before choosing NONE."
  type        = string
  default     = "AWS_IAM"
}

variable "invoker_principals" {
  description = "Account IDs or IAM principal ARNs outside account B allowed to call the function (its AWS_IAM URL, or a direct invoke)."
  type        = list(string)
  default     = []
}

variable "cors_allow_origins" {
  description = "Browser origins allowed to call the function URL and the HTTP API, and, with uploads on a created bucket, to upload to the bucket."
  type        = list(string)
  default     = []
}

variable "create_log_group" {
  description = "Create the function's log group. false when /aws/lambda/FUNCTION_NAME already exists (the function ran before Terraform managed it)."
  type        = bool
  default     = true
}

variable "create_http_api" {
  description = "Add the browser front door: an HTTP API with a JWT authorizer serving Uppy's Companion routes. Needs upload_prefixes, jwt_issuer and jwt_audiences."
  type        = bool
  default     = false
}

variable "jwt_issuer" {
  description = "Issuer of the JWTs the HTTP API accepts (a Cognito user pool URL or any OIDC issuer)."
  type        = string
  default     = null
}

variable "jwt_audiences" {
  description = "Audiences of the JWTs the HTTP API accepts (a Cognito app client ID, say)."
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
