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
  default     = "xpresign: presigned S3 URLs for buckets in other accounts"
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
  description = "Lambda Python runtime: python3.11, python3.12 or python3.13. xpresign needs Python 3.11 or later, and the 5.x AWS provider this module is held to knows no later Python runtime."
  type        = string
  default     = "python3.13"

  validation {
    condition     = contains(["python3.11", "python3.12", "python3.13"], var.runtime)
    error_message = "runtime must be python3.11, python3.12 or python3.13, got \"${var.runtime}\": xpresign needs Python 3.11 or later, and hashicorp/aws 5.x (this module stays below 6.0; 5.100 is the newest) refuses python3.14 and later."
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
  description = "Extra environment variables for the function. The configuration itself is passed in XPRESIGN_CONFIG (or XPRESIGN_CONFIG_SSM_PARAMETER), which the module owns. Lambda's 4 KB limit covers all of them together; the plan fails before it is reached."
  type        = map(string)
  default     = {}

  validation {
    condition = length(setintersection(keys(var.environment_variables), [
      "XPRESIGN_CONFIG", "XPRESIGN_CONFIG_FILE", "XPRESIGN_CONFIG_SSM_PARAMETER", "XPRESIGN_BUCKET", "XPRESIGN_MAX_BATCH", "XPRESIGN_CORS_ALLOW_ORIGINS", "XPRESIGN_COMPANION_BUCKET",
    ])) == 0
    error_message = "environment_variables must not set XPRESIGN_CONFIG, XPRESIGN_CONFIG_FILE, XPRESIGN_CONFIG_SSM_PARAMETER, XPRESIGN_BUCKET, XPRESIGN_MAX_BATCH, XPRESIGN_CORS_ALLOW_ORIGINS or XPRESIGN_COMPANION_BUCKET: use the buckets, max_batch, cors_allow_origins, companion_bucket and create_config_parameter inputs."
  }
}

variable "publish" {
  description = "Publish a new function version on every change of code or configuration. Needed by alias_name and snap_start."
  type        = bool
  default     = false
}

variable "alias_name" {
  description = "With publish: an alias that follows the latest published version, and that the function URL, the invoke permissions and the HTTP API target instead of $LATEST. Setting it on an existing deployment moves the function URL to the alias, which changes the URL."
  type        = string
  default     = null

  validation {
    condition     = var.alias_name == null || try(can(regex("^[A-Za-z0-9_-]{1,128}$", var.alias_name)) && !can(regex("^[0-9]+$", var.alias_name)), false)
    error_message = "alias_name must be 1-128 letters, digits, hyphens or underscores, and not only digits (that would be a version number)."
  }
}

variable "snap_start" {
  description = "Lambda SnapStart for published versions: environments restore from a snapshot taken after init instead of starting cold. Needs a python3.12 or later runtime, publish and alias_name. xpresign drops its cached sessions after a restore."
  type        = bool
  default     = false
}

################################################################################
# What the function signs for
################################################################################

variable "buckets" {
  description = "Buckets the presigner signs for, keyed by the alias callers use. Each entry names the role to assume in the bucket owner's account (the bucket-access module's role_arn; its presigner_bucket output fits here). max_expires and role_duration stop at 3600: a Lambda function always reaches the role by role chaining, which STS caps at one hour, and a URL dies with the session that signed it. Unset attributes are left out of the configuration, so xpresign's defaults apply (max_upload_size: 5 GiB)."
  type = map(object({
    bucket                = optional(string)
    region                = optional(string)
    role_arn              = string
    external_id           = optional(string)
    source_identity       = optional(string)
    session_tags          = optional(map(string))
    role_session_name     = optional(string)
    role_duration         = optional(number)
    allowed_prefixes      = optional(list(string))
    max_expires           = optional(number)
    default_expires       = optional(number)
    addressing_style      = optional(string)
    use_global_endpoint   = optional(bool)
    allowed_content_types = optional(list(string))
    upload_prefixes       = optional(list(string))
    max_upload_size       = optional(number)
  }))

  validation {
    condition     = length(var.buckets) > 0
    error_message = "buckets needs at least one entry."
  }

  # The rules xpresign applies at start-up (src/xpresign/config_bucket.py),
  # so a configuration it would refuse fails the plan instead of every
  # invocation. Each message names the entries at fault, as
  # buckets.ALIAS.SETTING, the way xpresign's own errors do.
  validation {
    condition = alltrue([
      for alias, b in var.buckets : can(regex("^[A-Za-z0-9._-]{1,255}$", coalesce(b.bucket, alias)))
    ])
    error_message = "${join(", ", [for alias, b in var.buckets : "buckets.${alias}.bucket" if !can(regex("^[A-Za-z0-9._-]{1,255}$", coalesce(b.bucket, alias)))])}: a bucket name (the alias when bucket is unset) must be 1 to 255 letters, digits, '.', '-' or '_'."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : can(regex("^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", b.role_arn))
    ])
    error_message = "${join(", ", [for alias, b in var.buckets : "buckets.${alias}.role_arn" if !can(regex("^arn:(aws|aws-cn|aws-us-gov):iam::[0-9]{12}:role/[\\w+=,.@/-]{1,512}$", b.role_arn))])}: must be an IAM role ARN like arn:aws:iam::111111111111:role/name, in the aws, aws-cn or aws-us-gov partition."
  }

  # The regions of the partitions xpresign builds endpoints for
  # (src/xpresign/partitions.py): us-gov-* and cn-* have their own, and the
  # isolated partitions (us-iso-*, us-isob-*, eu-isoe-*, ...) are refused.
  validation {
    condition = alltrue([
      for b in values(var.buckets) : b.region == null || can(regex("^((us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+|cn-[a-z]+|us-gov-[a-z]+)-[0-9]{1,2}$", b.region))
    ])
    error_message = "${join(", ", [for alias, b in var.buckets : "buckets.${alias}.region" if !(b.region == null || can(regex("^((us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+|cn-[a-z]+|us-gov-[a-z]+)-[0-9]{1,2}$", b.region)))])}: must be an AWS region name like eu-west-1, in the aws, aws-cn or aws-us-gov partition (xpresign refuses the isolated partitions), or null for the function's own region."
  }

  # A role in one partition cannot sign for a bucket in another: STS and S3
  # live apart in each. That the roles are in the function's own partition
  # (entries without a region are signed for its region) is a precondition
  # on the function: a validation cannot see the provider's partition.
  validation {
    condition = alltrue([
      for b in values(var.buckets) : !can(regex("^((us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+|cn-[a-z]+|us-gov-[a-z]+)-[0-9]{1,2}$", b.region)) || try(split(":", b.role_arn)[1] == (startswith(b.region, "cn-") ? "aws-cn" : startswith(b.region, "us-gov-") ? "aws-us-gov" : "aws"), false)
    ])
    error_message = "${join("; ", [for alias, b in var.buckets : "buckets.${alias}.role_arn is in the ${try(split(":", b.role_arn)[1], "?")} partition, but the bucket's region ${b.region} is in ${startswith(b.region, "cn-") ? "aws-cn" : startswith(b.region, "us-gov-") ? "aws-us-gov" : "aws"}" if can(regex("^((us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+|cn-[a-z]+|us-gov-[a-z]+)-[0-9]{1,2}$", b.region)) && !try(split(":", b.role_arn)[1] == (startswith(b.region, "cn-") ? "aws-cn" : startswith(b.region, "us-gov-") ? "aws-us-gov" : "aws"), false)])}. The role must be in the partition of the bucket's region (aws-cn for cn-*, aws-us-gov for us-gov-*, aws elsewhere)."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : contains(["auto", "virtual", "path"], coalesce(b.addressing_style, "auto"))
    ])
    error_message = "${join(", ", [for alias, b in var.buckets : "buckets.${alias}.addressing_style" if !contains(["auto", "virtual", "path"], coalesce(b.addressing_style, "auto"))])}: must be one of auto, virtual, path (null: auto)."
  }

  validation {
    condition = alltrue([
      for alias, b in var.buckets : b.addressing_style != "virtual" || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", coalesce(b.bucket, alias)))
    ])
    error_message = "${join(", ", [for alias, b in var.buckets : "buckets.${alias}.addressing_style" if !(b.addressing_style != "virtual" || can(regex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", coalesce(b.bucket, alias))))])}: 'virtual' needs a DNS-compatible bucket name (3 to 63 lower-case letters, digits and hyphens, no dots); use auto or path."
  }

  validation {
    # RE2 caps repetition counts at 1000, so the length is checked apart.
    condition = alltrue([
      for b in values(var.buckets) : b.external_id == null || try(can(regex("^[\\w+=,.@:/-]+$", b.external_id)) && length(b.external_id) >= 2 && length(b.external_id) <= 1224, false)
    ])
    error_message = "${join(", ", [for alias, b in var.buckets : "buckets.${alias}.external_id" if !(b.external_id == null || try(can(regex("^[\\w+=,.@:/-]+$", b.external_id)) && length(b.external_id) >= 2 && length(b.external_id) <= 1224, false))])}: must be 2 to 1224 characters of letters, digits and +=,.@:/- (the STS ExternalId alphabet), or null."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : b.role_session_name == null || can(regex("^[\\w+=,.@-]{2,64}$", b.role_session_name))
    ])
    error_message = "${join(", ", [for alias, b in var.buckets : "buckets.${alias}.role_session_name" if !(b.role_session_name == null || can(regex("^[\\w+=,.@-]{2,64}$", b.role_session_name)))])}: must be 2 to 64 characters of letters, digits and +=,.@_- (STS's RoleSessionName rule), or null for the function's name."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : b.source_identity == null || can(regex("^[\\w+=,.@-]{2,64}$", b.source_identity))
    ])
    error_message = "${join(", ", [for alias, b in var.buckets : "buckets.${alias}.source_identity" if !(b.source_identity == null || can(regex("^[\\w+=,.@-]{2,64}$", b.source_identity)))])}: must be 2 to 64 characters of letters, digits and +=,.@_- (STS's SourceIdentity rule), or null."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : b.max_expires == null || try(b.max_expires >= 1 && b.max_expires <= 3600 && floor(b.max_expires) == b.max_expires, false)
    ])
    error_message = "max_expires must be a whole number of seconds from 1 to 3600. The function's own credentials are a role session, so assuming a bucket's role is role chaining, which STS caps at one hour; a presigned URL stops working when the session that signed it ends, so a longer max_expires could never be honoured."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : b.role_duration == null || try(b.role_duration >= 900 && b.role_duration <= 3600 && floor(b.role_duration) == b.role_duration, false)
    ])
    error_message = "role_duration must be a whole number of seconds from 900 to 3600: STS refuses a chained AssumeRole (the only kind a Lambda function makes) longer than one hour, whatever the role's MaxSessionDuration."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : b.default_expires == null || try(b.default_expires >= 1 && b.default_expires <= coalesce(b.max_expires, 3600), false)
    ])
    error_message = "default_expires must be at least 1 and no more than the entry's max_expires (3600 when unset)."
  }

  validation {
    condition = alltrue(flatten([
      for b in values(var.buckets) : [
        for p in concat(coalesce(b.allowed_prefixes, []), coalesce(b.upload_prefixes, [])) : p != "" && !can(regex("[*?$]", p)) && !startswith(p, "/")
      ]
    ]))
    error_message = "allowed_prefixes and upload_prefixes entries must be non-empty, without IAM wildcards (*, ?, $) or a leading slash, so xpresign's str.startswith and the access role's PREFIX* admit the same keys."
  }

  validation {
    condition = alltrue(flatten([
      for b in values(var.buckets) : [
        for t in coalesce(b.allowed_content_types, []) : can(regex("^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$", t))
      ]
    ]))
    error_message = "allowed_content_types entries must be lower-case media types without parameters, e.g. video/mp4."
  }

  validation {
    condition = alltrue([
      for b in values(var.buckets) : b.max_upload_size == null || try(b.max_upload_size >= 1 && b.max_upload_size <= 5497558138880 && floor(b.max_upload_size) == b.max_upload_size, false)
    ])
    error_message = "max_upload_size must be a whole number of bytes from 1 to 5497558138880 (5 TiB, S3's largest object)."
  }
}

variable "max_batch" {
  description = "Most keys in one batch request, 1 to 10000. null keeps xpresign's default (1000)."
  type        = number
  default     = null

  validation {
    condition     = var.max_batch == null || try(var.max_batch >= 1 && var.max_batch <= 10000 && floor(var.max_batch) == var.max_batch, false)
    error_message = "max_batch must be a whole number from 1 to 10000 (xpresign's limit), or null for its default of 1000."
  }
}

variable "cors_allow_origins" {
  description = "Browser origins allowed to call the function URL and the HTTP API (CORS on each, and in xpresign's own answers). Empty: no browser access."
  type        = list(string)
  default     = []

  # xpresign refuses any other entry at start-up; Lambda and API Gateway would take it.
  validation {
    condition     = alltrue([for o in var.cors_allow_origins : o == "*" || can(regex("^https?://[^/\\s]+$", o))])
    error_message = "cors_allow_origins entries must be origins (scheme://host[:port], no path, no trailing slash) or \"*\"."
  }
}

variable "companion_bucket" {
  description = "Alias (a key of buckets) of the bucket that Uppy's Companion routes upload into, under that entry's first upload prefix. null: no Companion uploads."
  type        = string
  default     = null
}

variable "create_config_parameter" {
  description = "Keep the configuration in a Parameter Store SecureString instead of the XPRESIGN_CONFIG environment variable, past Lambda's 4 KB environment limit (up to 8 KB). The function gets XPRESIGN_CONFIG_SSM_PARAMETER (name:version) and ssm:GetParameter on that parameter, and reads it once at init."
  type        = bool
  default     = false
}

variable "config_parameter_name" {
  description = "Name of the configuration parameter: a plain name, or a hierarchy with a leading slash (at most 15 levels), not beginning with aws or ssm. null uses /xpresign/FUNCTION_NAME/config."
  type        = string
  default     = null

  # SSM's PutParameter rules: a plain name, or a hierarchy with a leading
  # slash of at most 15 levels; nothing that starts with aws or ssm in any
  # case (reserved); at most 1011 characters counted with the parameter's
  # ARN prefix, which is up to 56 (arn:aws-us-gov:ssm:us-gov-west-1:ACCOUNT:parameter/).
  validation {
    condition = var.config_parameter_name == null || try(alltrue([
      can(regex("^([A-Za-z0-9_.-]+|(/[A-Za-z0-9_.-]+)+)$", var.config_parameter_name)),
      !can(regex("^/?(?i:aws|ssm)", var.config_parameter_name)),
      length(split("/", trimprefix(var.config_parameter_name, "/"))) <= 15,
      length(trimprefix(var.config_parameter_name, "/")) <= 955,
    ]), false)
    error_message = "config_parameter_name must be a Parameter Store name: a name, or a hierarchy starting with / (like /xpresign/config) of at most 15 levels, made of letters, digits and _ . -, not beginning with aws or ssm in any case (reserved by AWS), at most 955 characters."
  }
}

variable "config_parameter_kms_key_arn" {
  description = "Customer-managed KMS key for the configuration parameter; the function may decrypt with it through SSM, for that parameter only. null uses the AWS-managed aws/ssm key, which needs no grant."
  type        = string
  default     = null

  validation {
    condition     = var.config_parameter_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/.+$", var.config_parameter_kms_key_arn))
    error_message = "config_parameter_kms_key_arn must be a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
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
  description = "Authorization of the function URL: AWS_IAM (callers sign requests with SigV4) or NONE. NONE is public: anyone who finds the URL gets links for every allowed key, and, because the 5.x provider cannot scope the lambda:InvokeFunction permission to URL calls, any AWS account may also invoke the function directly, asynchronous invokes included (those are run once, never retried)."
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
# HTTP API (browser front door)
################################################################################

variable "create_http_api" {
  description = "Create an API Gateway HTTP API that routes Uppy's Companion routes (and nothing else) to the function, each behind a JWT authorizer, with CORS for cors_allow_origins answered by API Gateway. Needs companion_bucket, http_api_jwt_issuer and http_api_jwt_audiences."
  type        = bool
  default     = false
}

variable "http_api_jwt_issuer" {
  description = "Issuer (iss) the JWT authorizer accepts, an https URL: a Cognito user pool (https://cognito-idp.REGION.amazonaws.com/POOL_ID) or any OIDC provider."
  type        = string
  default     = null

  validation {
    condition     = var.http_api_jwt_issuer == null || can(regex("^https://[^\\s]+$", var.http_api_jwt_issuer))
    error_message = "http_api_jwt_issuer must be an https URL."
  }
}

variable "http_api_jwt_audiences" {
  description = "Audiences (aud, or client_id for Cognito access tokens) the JWT authorizer accepts; a token must name one of them."
  type        = list(string)
  default     = []
}

variable "http_api_throttling_rate_limit" {
  description = "Steady-state requests per second the HTTP API's stage admits across all routes."
  type        = number
  default     = 50
}

variable "http_api_throttling_burst_limit" {
  description = "Burst of requests the HTTP API's stage admits above the steady rate."
  type        = number
  default     = 100
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

variable "policy_statements" {
  description = "Extra statements for the execution role's inline policy, keyed by statement ID, e.g. { ReadTable = { actions = [\"dynamodb:GetItem\"], resources = [ARN] } }."
  type = map(object({
    effect    = optional(string, "Allow")
    actions   = list(string)
    resources = list(string)
    conditions = optional(list(object({
      test     = string
      variable = string
      values   = list(string)
    })), [])
  }))
  default = {}

  validation {
    condition = alltrue([
      for sid, s in var.policy_statements : can(regex("^[A-Za-z0-9]+$", sid)) && contains(["Allow", "Deny"], s.effect) && length(s.actions) > 0 && length(s.resources) > 0
    ])
    error_message = "Each policy_statements key must be an alphanumeric statement ID, with effect Allow or Deny and at least one action and one resource."
  }
}

variable "create_log_group" {
  description = "Create the function's log group. false uses an existing group named log_group_name (for example one an earlier invocation created), which the module looks up; its retention and key stay as they are."
  type        = bool
  default     = true
}

variable "log_group_name" {
  description = "Name of the function's log group. null uses /aws/lambda/FUNCTION_NAME."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's logs, and the HTTP API's access logs (one of the values CloudWatch accepts; 0 keeps them forever)."
  type        = number
  default     = 365

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of 0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_kms_key_arn" {
  description = "Customer-managed KMS key for the log groups the module creates. Its key policy must let logs.REGION.amazonaws.com use it for those groups (the log_kms_key_policy_json output). null uses CloudWatch's own encryption."
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
