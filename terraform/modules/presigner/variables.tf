################################################################################
# Function
################################################################################

variable "function_name" {
  description = "Name of the Lambda function; also names its log group and, unless role_name is set, its execution role."
  type        = string
  default     = "xpresign"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  description = "Description of the Lambda function."
  type        = string
  default     = "xpresign: presigned S3 download URLs for buckets in other accounts"
}

variable "lambda_zip" {
  description = "Path to the deployment package written by `xpresign build-lambda --output DIR` (the command prints it). The package is deterministic, so an unchanged source gives an unchanged hash and no update."
  type        = string

  validation {
    condition     = endswith(var.lambda_zip, ".zip")
    error_message = "lambda_zip must be the path of a .zip file built by `xpresign build-lambda`."
  }
}

variable "runtime" {
  description = "Lambda Python runtime. xpresign needs Python 3.11 or later."
  type        = string
  default     = "python3.13"

  validation {
    condition     = can(regex("^python3\\.(1[1-9]|[2-9][0-9])$", var.runtime))
    error_message = "runtime must be python3.11 or later (python3.8 and the other releases before 3.11 are retired or unsupported by xpresign)."
  }
}

variable "architecture" {
  description = "Instruction set of the function. xpresign is pure Python, so arm64 (cheaper per GB-second) works as well as x86_64."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_size" {
  description = "Memory of the function, MB. Lambda scales CPU with memory; signing is CPU-bound, so large batches finish sooner with more."
  type        = number
  default     = 256

  validation {
    condition     = var.memory_size >= 128 && var.memory_size <= 10240
    error_message = "memory_size must be between 128 and 10240 MB."
  }
}

variable "timeout" {
  description = "Timeout of one invocation, seconds. A request is an STS call (once per cached session) plus local signing."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for (and capping) the function. null leaves it unreserved; 0 disables the function."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= 0, false)
    error_message = "reserved_concurrent_executions must be null or a number of at least 0."
  }
}

variable "tracing_enabled" {
  description = "Turn on active AWS X-Ray tracing (and allow the role to write traces)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for the function's environment variables. null uses the AWS-managed Lambda key; the configuration holds no secrets."
  type        = string
  default     = null
}

variable "code_signing_config_arn" {
  description = "Lambda code signing configuration to enforce, where the organisation signs deployment packages."
  type        = string
  default     = null
}

variable "environment_variables" {
  description = "Extra environment variables for the function. The configuration itself is passed in XPRESIGN_CONFIG, which the module owns."
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.environment_variables), [
      "XPRESIGN_CONFIG", "XPRESIGN_CONFIG_FILE", "XPRESIGN_BUCKET", "XPRESIGN_MAX_BATCH", "XPRESIGN_CORS_ALLOW_ORIGINS",
    ])) == 0
    error_message = "environment_variables must not set XPRESIGN_CONFIG, XPRESIGN_CONFIG_FILE, XPRESIGN_BUCKET, XPRESIGN_MAX_BATCH or XPRESIGN_CORS_ALLOW_ORIGINS: use the buckets, max_batch and cors_allow_origins inputs."
  }
}

################################################################################
# What the function signs for
################################################################################

variable "buckets" {
  description = "Buckets the presigner signs for, keyed by the alias callers use. Each entry names the role to assume in the bucket owner's account (the bucket-access module's role_arn; its presigner_bucket output fits here). max_expires is capped in practice at the one-hour role-chaining limit: a URL dies with the session that signed it."
  type = map(object({
    bucket              = optional(string)
    region              = optional(string)
    role_arn            = string
    external_id         = optional(string)
    source_identity     = optional(string)
    session_tags        = optional(map(string))
    role_session_name   = optional(string)
    role_duration       = optional(number)
    allowed_prefixes    = optional(list(string))
    max_expires         = optional(number)
    default_expires     = optional(number)
    addressing_style    = optional(string)
    use_global_endpoint = optional(bool)
  }))

  validation {
    condition     = length(var.buckets) > 0
    error_message = "buckets needs at least one entry."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\\w+=,.@/-]+$", b.role_arn))
    ])
    error_message = "Each bucket's role_arn must be an IAM role ARN (arn:aws:iam::123456789012:role/name)."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : b.max_expires == null || try(b.max_expires >= 1 && b.max_expires <= 604800, false)
    ])
    error_message = "max_expires must be between 1 and 604800 seconds (SigV4's limit)."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : b.default_expires == null || try(b.default_expires >= 1 && b.default_expires <= coalesce(b.max_expires, 3600), false)
    ])
    error_message = "default_expires must be at least 1 and no more than the entry's max_expires (3600 when unset)."
  }
}

variable "max_batch" {
  description = "Most keys in one batch request. null keeps xpresign's default (1000)."
  type        = number
  default     = null
}

variable "cors_allow_origins" {
  description = "Browser origins allowed to call the function URL (CORS on the URL, and in xpresign's own answers). Empty: no browser access."
  type        = list(string)
  default     = []
}

################################################################################
# Function URL
################################################################################

variable "create_function_url" {
  description = "Give the function an HTTPS function URL."
  type        = bool
  default     = true
}

variable "function_url_auth_type" {
  description = "Authorization of the function URL: AWS_IAM (callers sign requests with SigV4) or NONE (public: anyone who finds the URL gets download links for every allowed key)."
  type        = string
  default     = "AWS_IAM"

  validation {
    condition     = contains(["AWS_IAM", "NONE"], var.function_url_auth_type)
    error_message = "function_url_auth_type must be AWS_IAM or NONE."
  }
}

variable "invoker_principals" {
  description = "Account IDs or IAM principal ARNs, typically in other accounts, allowed to call the function (through its AWS_IAM URL or directly). Principals in this account can instead be granted lambda:InvokeFunctionUrl and lambda:InvokeFunction in their own policies."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for p in var.invoker_principals : p != "*"])
    error_message = "invoker_principals must name principals; for a public URL set function_url_auth_type = \"NONE\" instead."
  }
}

################################################################################
# Role and logs
################################################################################

variable "role_name" {
  description = "Name of the execution role. null uses function_name."
  type        = string
  default     = null
}

variable "role_path" {
  description = "IAM path of the execution role."
  type        = string
  default     = "/"
}

variable "permissions_boundary_arn" {
  description = "ARN of a managed policy to set as the execution role's permissions boundary, where the organisation requires one."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's logs (one of the values CloudWatch accepts; 0 keeps them forever)."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "Customer-managed KMS key for the log group. null uses CloudWatch's own encryption."
  type        = string
  default     = null
}

variable "application_log_level" {
  description = "Lowest level of the function's own log records that reaches CloudWatch (JSON log format)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.application_log_level)
    error_message = "application_log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "system_log_level" {
  description = "Lowest level of the Lambda platform's log records that reaches CloudWatch."
  type        = string
  default     = "WARN"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN"], var.system_log_level)
    error_message = "system_log_level must be one of DEBUG, INFO, WARN."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
