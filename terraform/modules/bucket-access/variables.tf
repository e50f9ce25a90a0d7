variable "bucket_name" {
  description = "Name of the S3 bucket the presigner signs URLs for (in this account). An existing bucket may have a legacy name (us-east-1, before March 2018: up to 255 letters, digits, dots, hyphens and underscores); a bucket the module creates follows today's rules."
  type        = string

  # S3's general purpose bucket naming rules
  # (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html),
  # and its legacy rule for buckets that already exist, which xpresign signs for too.
  validation {
    condition     = can(regex(var.create_bucket ? "^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$" : "^[A-Za-z0-9._-]{1,255}$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, beginning and ending with a letter or digit (an existing bucket, create_bucket = false, may have a legacy name: up to 255 letters, digits, dots, hyphens and underscores)."
  }

  validation {
    condition     = !var.create_bucket || (!strcontains(var.bucket_name, "..") && !can(regex("^[0-9]+(\\.[0-9]+){3}$", var.bucket_name)))
    error_message = "bucket_name must not contain two adjacent dots or be formatted as an IP address (like 192.168.5.4)."
  }

  validation {
    condition     = !var.create_bucket || (!can(regex("^(xn--|sthree-|amzn-s3-demo-)", var.bucket_name)) && !can(regex("(-s3alias|--ol-s3|\\.mrap|--x-s3|--table-s3)$", var.bucket_name)))
    error_message = "bucket_name must not start with xn--, sthree- or amzn-s3-demo-, nor end with -s3alias, --ol-s3, .mrap, --x-s3 or --table-s3: S3 reserves those for other kinds of names (access point aliases, Multi-Region Access Points, directory and table buckets)."
  }
}

variable "trusted_role_arns" {
  description = "IAM role ARNs (the presigner's Lambda execution roles, in the other account) allowed to assume the access role. Exact role ARNs only: an account root would trust every principal in that account. Required with create_role; must be empty without it (the existing role's trust policy stays its owner's)."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for arn in var.trusted_role_arns :
      can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$", arn)) && !strcontains(arn, "*")
    ])
    error_message = "Each trusted_role_arns entry must be an exact IAM role ARN (arn:aws:iam::123456789012:role/name), without wildcards and not an account root."
  }
}

variable "trust_policy_conditions" {
  description = "Extra conditions on the trust policy's statement, all of which must hold for AssumeRole, e.g. [{test = \"StringEquals\", variable = \"aws:PrincipalOrgID\", values = [\"o-abc123\"]}]. Only with create_role."
  type = list(object({
    test     = string
    variable = string
    values   = list(string)
  }))
  default = []

  validation {
    condition     = alltrue([for c in var.trust_policy_conditions : length(c.values) > 0 && c.variable != "sts:ExternalId"])
    error_message = "Each trust_policy_conditions entry needs at least one value; set sts:ExternalId with external_id instead."
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
  description = "Key prefixes the role may read (s3:GetObject on bucket/prefix*). null means the whole bucket. A prefix is matched as written, by IAM here and by xpresign's str.startswith: \"movies\" (no trailing slash) also admits movies-private/..., so end directory-like prefixes with a slash."
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

variable "allow_object_versions" {
  description = "Also allow s3:GetObjectVersion on the allowed prefixes, which a URL for a request's version_id needs. null: on with create_bucket (the module versions the buckets it creates), off for an existing bucket, whose versioning the module cannot see."
  type        = bool
  default     = null
}

variable "upload_prefixes" {
  description = "Key prefixes the presigner may sign uploads for: s3:PutObject, s3:AbortMultipartUpload and s3:ListMultipartUploadParts on bucket/prefix*, and nothing else. Empty: no uploads. Independent of allowed_prefixes; matched as written, like them."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.upload_prefixes : p != "" && !can(regex("[*?$]", p)) && !startswith(p, "/")])
    error_message = "upload_prefixes must be non-empty prefixes without IAM wildcards (*, ?, $) or a leading slash; uploads anywhere in the bucket are not offered."
  }
}

variable "cors_allowed_origins" {
  description = "Browser origins (https://app.example.com) that may upload straight to the bucket with presigned PUTs and POSTs: a CORS rule for PUT and POST, allowing the content-type and x-amz-checksum-sha256 headers and exposing ETag and Location. Only with create_bucket: a CORS configuration replaces the bucket's whole configuration."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.cors_allowed_origins : o == "*" || can(regex("^https?://[^/\\s]+$", o))])
    error_message = "cors_allowed_origins entries must be origins (scheme://host[:port], no path) or \"*\"."
  }
}

variable "allow_list" {
  description = "Also allow s3:ListBucket on the bucket, limited with an s3:prefix condition to the allowed prefixes."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "ARN of the KMS key that encrypts the objects (SSE-KMS). When set, the role may use it through S3 only: kms:Decrypt, plus kms:GenerateDataKey with upload_prefixes. With create_bucket it also becomes the bucket's default encryption key. The key policy must allow this too (see the kms_key_policy_json output)."
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
  description = "Create the bucket too, hardened: public access blocked, BucketOwnerEnforced ownership, default encryption (SSE-KMS with kms_key_arn, else SSE-S3), versioning, a bucket policy that denies requests without TLS, and lifecycle rules that abort incomplete multipart uploads and expire noncurrent versions. When false the bucket must already exist in this account."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "With create_bucket, let terraform destroy delete the bucket even when it still holds objects."
  type        = bool
  default     = false
}

variable "abort_incomplete_multipart_upload_days" {
  description = "With create_bucket, days after which S3 aborts an unfinished multipart upload and deletes its parts."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of days, at least 1."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "With create_bucket, days after which S3 deletes an object version that has been overwritten or deleted. null keeps old versions forever."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_expiration_days == null || try(var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days, false)
    error_message = "noncurrent_version_expiration_days must be null or a whole number of days, at least 1."
  }
}

variable "create_role" {
  description = "Create the access role. false attaches the module's inline policy to the existing role named by role_name and leaves that role's trust policy to its owner."
  type        = bool
  default     = true
}

variable "role_name" {
  description = "Name of the access role. null derives it from the bucket name. With create_role = false: the existing role to attach the policy to (required)."
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
