variable "bucket_name" {
  description = "Name of the S3 bucket the presigner may read from (in this account)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens."
  }
}

variable "trusted_role_arns" {
  description = "IAM role ARNs (the presigner's Lambda execution roles, in the other account) allowed to assume the access role. Exact role ARNs only: an account root would trust every principal in that account."
  type        = list(string)

  validation {
    condition     = length(var.trusted_role_arns) > 0
    error_message = "trusted_role_arns needs at least one role ARN."
  }

  validation {
    condition = alltrue([
      for arn in var.trusted_role_arns :
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$", arn)) && !strcontains(arn, "*")
    ])
    error_message = "Each trusted_role_arns entry must be an exact IAM role ARN (arn:aws:iam::123456789012:role/name), without wildcards and not an account root."
  }
}

variable "external_id" {
  description = "When set, the trust policy requires this sts:ExternalId on AssumeRole. The presigner must send the same value (its bucket entry's external_id)."
  type        = string
  default     = null

  validation {
    # RE2 caps repetition counts at 1000, so the length is checked apart.
    condition     = var.external_id == null || try(can(regex("^[\\w+=,.@:/-]+$", var.external_id)) && length(var.external_id) >= 2 && length(var.external_id) <= 1224, false)
    error_message = "external_id must be 2-1224 characters of letters, digits and +=,.@:/- (the STS ExternalId alphabet)."
  }
}

variable "allowed_prefixes" {
  description = "Key prefixes the role may read (s3:GetObject on bucket/prefix*). null means the whole bucket."
  type        = list(string)
  default     = null

  validation {
    condition = var.allowed_prefixes == null ? true : (
      length(var.allowed_prefixes) > 0 && alltrue([
        for p in var.allowed_prefixes : p != "" && !can(regex("[*?$]", p)) && !startswith(p, "/")
      ])
    )
    error_message = "allowed_prefixes must be null (whole bucket) or a non-empty list of non-empty prefixes without IAM wildcards (*, ?, $) or a leading slash."
  }
}

variable "allow_list" {
  description = "Also allow s3:ListBucket on the bucket, limited with an s3:prefix condition to the allowed prefixes."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the objects (SSE-KMS). When set, the role may kms:Decrypt with it, through S3 only. With create_bucket it also becomes the bucket's default encryption key."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID); aliases are not accepted by IAM policies."
  }
}

variable "max_session_duration" {
  description = "Longest session, in seconds, the role allows (3600-43200). A presigner in Lambda reaches this role by role chaining, which STS caps at 3600 whatever is set here."
  type        = number
  default     = 3600

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200 && floor(var.max_session_duration) == var.max_session_duration
    error_message = "max_session_duration must be a whole number of seconds from 3600 to 43200."
  }
}

variable "allow_source_identity" {
  description = "Allow the trusted roles to set a source identity (sts:SetSourceIdentity), so account A's CloudTrail shows who asked for each URL."
  type        = bool
  default     = false
}

variable "allow_session_tags" {
  description = "Allow the trusted roles to pass session tags (sts:TagSession)."
  type        = bool
  default     = false
}

variable "create_bucket" {
  description = "Create the bucket too, hardened: public access blocked, BucketOwnerEnforced ownership, default encryption (SSE-KMS with kms_key_arn, else SSE-S3), versioning. When false the bucket must already exist in this account."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "With create_bucket, let terraform destroy delete the bucket even when it still holds objects."
  type        = bool
  default     = false
}

variable "role_name" {
  description = "Name of the access role. null derives it from the bucket name."
  type        = string
  default     = null

  validation {
    condition     = var.role_name == null || can(regex("^[\\w+=,.@-]{1,64}$", var.role_name))
    error_message = "role_name must be 1-64 characters of letters, digits and +=,.@_-."
  }
}

variable "role_path" {
  description = "IAM path of the access role."
  type        = string
  default     = "/"

  validation {
    condition     = can(regex("^/([\\x21-\\x7e]+/)?$", var.role_path))
    error_message = "role_path must start and end with a slash, e.g. / or /xpresign/."
  }
}

variable "permissions_boundary_arn" {
  description = "ARN of a managed policy to set as the role's permissions boundary, where the organisation requires one."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
