# The presigner in account B: a Lambda function whose execution role may do
# nothing but assume the access roles in the bucket owners' accounts, read its
# own configuration and write its own logs. The URLs it returns are signed
# with the assumed roles' temporary credentials.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name
  dns_suffix = data.aws_partition.current.dns_suffix

  role_name      = coalesce(var.role_name, var.function_name)
  log_group_name = coalesce(var.log_group_name, "/aws/lambda/${var.function_name}")
  # Through the resource or the lookup, so the group exists before the
  # function that logs to it.
  log_group_ref = var.create_log_group ? aws_cloudwatch_log_group.this[0].name : data.aws_cloudwatch_log_group.existing[0].name
  log_group_arn = var.create_log_group ? aws_cloudwatch_log_group.this[0].arn : data.aws_cloudwatch_log_group.existing[0].arn

  # The document xpresign reads (docs/configuration.md). Unset attributes are
  # left out rather than written as nulls: every byte counts against Lambda's
  # 4 KB environment limit, and a third of a typical entry was "x":null pairs.
  buckets = {
    for alias, entry in var.buckets : alias => { for key, value in entry : key => value if value != null }
  }
  config = {
    for key, value in {
      buckets            = local.buckets
      max_batch          = var.max_batch
      cors_allow_origins = length(var.cors_allow_origins) > 0 ? var.cors_allow_origins : null
      companion_bucket   = var.companion_bucket
    } : key => value if value != null
  }
  config_json = jsonencode(local.config)
  # UTF-8 bytes, rounded up to a multiple of three: base64 writes four
  # characters for every three bytes, and Terraform has no byte-length function.
  config_bytes = floor(length(base64encode(local.config_json)) / 4) * 3

  config_parameter_name = coalesce(var.config_parameter_name, "/xpresign/${var.function_name}/config")
  # A parameter in the Standard tier holds 4 KB, an Advanced one 8 KB.
  config_parameter_tier = local.config_bytes > 4096 ? "Advanced" : "Standard"

  # name:version pins the exact parameter version: a changed configuration
  # changes this variable, so Lambda starts new environments (and, with
  # publish, a new version and SnapStart snapshot) that read it at init.
  module_environment = var.create_config_parameter ? {
    XPRESIGN_CONFIG_SSM_PARAMETER = "${aws_ssm_parameter.config[0].name}:${aws_ssm_parameter.config[0].version}"
    } : {
    XPRESIGN_CONFIG = local.config_json
  }
  environment = merge(var.environment_variables, local.module_environment)

  # Lambda limits all environment variables together to 4 KB. Counted as the
  # JSON object Lambda measures, with the longest parameter version a plan
  # cannot know yet, so the check holds at plan time, where apply would fail.
  environment_for_size = merge(var.environment_variables, var.create_config_parameter ? {
    XPRESIGN_CONFIG_SSM_PARAMETER = "${local.config_parameter_name}:9999999999"
    } : {
    XPRESIGN_CONFIG = local.config_json
  })
  environment_bytes = floor(length(base64encode(jsonencode(local.environment_for_size))) / 4) * 3

  # publish/alias_name: what the front doors invoke. Without an alias, the
  # unqualified function ($LATEST).
  qualifier         = var.alias_name == null ? null : aws_lambda_alias.this[0].name
  target_invoke_arn = var.alias_name == null ? aws_lambda_function.this.invoke_arn : aws_lambda_alias.this[0].invoke_arn

  # xpresign assumes every role through STS in the function's own region
  # (AWS_REGION), and signs for that region when an entry names none, so each
  # role must be in the function's partition: one partition's credentials are
  # not valid in another. (The variable checks role against bucket region.)
  partition_mismatches = [
    for alias, b in var.buckets : "buckets.${alias}.role_arn is in the ${split(":", b.role_arn)[1]} partition"
    if split(":", b.role_arn)[1] != data.aws_partition.current.partition
  ]
  # Entries without role_session_name use the function's name as the STS
  # session name, which STS wants 2 to 64 characters long.
  default_session_name_used = anytrue([for b in values(var.buckets) : b.role_session_name == null])

  target_role_arns          = distinct([for b in values(var.buckets) : b.role_arn])
  source_identity_role_arns = distinct([for b in values(var.buckets) : b.role_arn if b.source_identity != null])
  session_tag_role_arns     = distinct([for b in values(var.buckets) : b.role_arn if b.session_tags != null])

  # Uppy's S3 plugin (Companion protocol): the only routes the HTTP API serves.
  companion_routes = [
    "GET /s3/params",
    "POST /s3/multipart",
    "GET /s3/multipart/{uploadId}/{partNumber}",
    "GET /s3/multipart/{uploadId}",
    "POST /s3/multipart/{uploadId}/complete",
    "DELETE /s3/multipart/{uploadId}",
  ]
  companion_upload_prefixes = var.companion_bucket == null ? [] : try(coalesce(var.buckets[var.companion_bucket].upload_prefixes, []), [])

  # python3.12 and later; the variable's validation guarantees the shape.
  runtime_minor = tonumber(split(".", var.runtime)[1])
}

################################################################################
# Execution role
################################################################################

data "aws_iam_policy_document" "trust" {
  statement {
    sid     = "LambdaInThisAccount"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["lambda.amazonaws.com"]
    }

    # Lambda passes the function's account as aws:SourceAccount; pinning it
    # keeps the service from assuming this role for anyone else's function
    # (the confused-deputy guard for service principals).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "this" {
  name                 = local.role_name
  path                 = var.role_path
  description          = "Execution role of the ${var.function_name} presigner"
  assume_role_policy   = data.aws_iam_policy_document.trust.json
  permissions_boundary = var.permissions_boundary_arn

  tags = var.tags
}

data "aws_iam_policy_document" "this" {
  statement {
    sid       = "AssumeBucketAccessRoles"
    effect    = "Allow"
    actions   = ["sts:AssumeRole"]
    resources = local.target_role_arns
  }

  # STS checks these as separate actions of the same AssumeRole call, against
  # the caller's policy as well as the target's trust policy.
  dynamic "statement" {
    for_each = length(local.source_identity_role_arns) > 0 ? [true] : []

    content {
      sid       = "SetSourceIdentityOnBucketAccessRoles"
      effect    = "Allow"
      actions   = ["sts:SetSourceIdentity"]
      resources = local.source_identity_role_arns
    }
  }

  dynamic "statement" {
    for_each = length(local.session_tag_role_arns) > 0 ? [true] : []

    content {
      sid       = "TagSessionsOnBucketAccessRoles"
      effect    = "Allow"
      actions   = ["sts:TagSession"]
      resources = local.session_tag_role_arns
    }
  }

  # X-Ray's write actions have no resource-level permissions: "*" is the only
  # resource they accept.
  dynamic "statement" {
    for_each = var.tracing_enabled ? [true] : []

    content {
      sid       = "WriteTraces"
      effect    = "Allow"
      actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
      resources = ["*"]
    }
  }

  dynamic "statement" {
    for_each = var.create_config_parameter ? [true] : []

    content {
      sid       = "ReadOwnConfiguration"
      effect    = "Allow"
      actions   = ["ssm:GetParameter"]
      resources = [aws_ssm_parameter.config[0].arn]
    }
  }

  # SecureString under a customer-managed key: decrypt through SSM, for this
  # parameter only (SSM puts the parameter's ARN in the encryption context).
  # The AWS-managed aws/ssm key needs no statement: its key policy already
  # admits this account's principals through SSM.
  dynamic "statement" {
    for_each = var.create_config_parameter && var.config_parameter_kms_key_arn != null ? [var.config_parameter_kms_key_arn] : []

    content {
      sid       = "DecryptOwnConfiguration"
      effect    = "Allow"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${local.region}.${local.dns_suffix}"]
      }

      condition {
        test     = "StringEquals"
        variable = "kms:EncryptionContext:PARAMETER_ARN"
        values   = [aws_ssm_parameter.config[0].arn]
      }
    }
  }

  # No logs:CreateLogGroup: Terraform creates the group (or it exists), so
  # the function only writes streams into it.
  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${local.log_group_arn}:*"]
  }

  # The caller's own additions (policy_statements), each under its map key.
  dynamic "statement" {
    for_each = var.policy_statements

    content {
      sid       = statement.key
      effect    = statement.value.effect
      actions   = statement.value.actions
      resources = statement.value.resources

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

# Inline: the policy is this role's alone and goes away with it (unlike the
# original guide's aws_iam_policy_attachment, which is exclusive across the
# whole account).
resource "aws_iam_role_policy" "this" {
  name   = "xpresign-presigner"
  role   = aws_iam_role.this.id
  policy = data.aws_iam_policy_document.this.json
}

################################################################################
# Configuration in Parameter Store (optional)
################################################################################

# Past Lambda's 4 KB environment limit: the same document in a parameter,
# read once at init. SecureString always; with the AWS-managed key unless
# config_parameter_kms_key_arn names one.
resource "aws_ssm_parameter" "config" {
  count = var.create_config_parameter ? 1 : 0

  name        = local.config_parameter_name
  description = "xpresign configuration of the ${var.function_name} presigner (XPRESIGN_CONFIG document)"
  type        = "SecureString"
  key_id      = var.config_parameter_kms_key_arn
  tier        = local.config_parameter_tier
  value       = local.config_json

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.config_bytes <= 8192
      error_message = "The configuration document is ${local.config_bytes} bytes; a Parameter Store parameter holds at most 8192 (Advanced tier). Split the buckets over more than one presigner."
    }
  }
}

################################################################################
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  count = var.create_log_group ? 1 : 0

  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest; log_kms_key_arn adds a customer-managed key where policy asks for one. The logs hold bucket aliases, keys and request IDs, never credentials or signed URLs.
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

# create_log_group = false: a group that already exists (created by an
# earlier invocation, or by the organisation) is looked up, so a wrong name
# fails the plan.
data "aws_cloudwatch_log_group" "existing" {
  count = var.create_log_group ? 0 : 1

  name = local.log_group_name
}

# For the owner of log_kms_key_arn: the key-policy statement CloudWatch Logs
# needs to encrypt this module's log groups with the key. Logs uses the key
# as the service principal logs.REGION.amazonaws.com, never as the function.
data "aws_iam_policy_document" "log_kms_key_policy" {
  count = var.log_kms_key_arn == null ? 0 : 1

  statement {
    sid       = "CloudWatchLogsForXpresignLogGroups"
    effect    = "Allow"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"] # in a key policy, "*" is the key itself

    principals {
      type        = "Service"
      identifiers = ["logs.${local.region}.${local.dns_suffix}"]
    }

    condition {
      test     = "ArnEquals"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values = concat(
        ["arn:${data.aws_partition.current.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"],
        var.create_http_api ? ["arn:${data.aws_partition.current.partition}:logs:${local.region}:${local.account_id}:log-group:${local.http_api_log_group_name}"] : [],
      )
    }
  }
}

################################################################################
# Function
################################################################################

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The function calls only the public STS (and SSM) endpoints and returns URLs; it reaches no VPC resource, and a VPC would add NAT cost and cold-start latency for no isolation gain.
  #checkov:skip=CKV_AWS_116:Callers invoke synchronously (function URL, HTTP API or direct Invoke) and receive errors in the response; stray asynchronous invokes are dropped, not retried (aws_lambda_function_event_invoke_config.this), so a dead-letter queue would only collect noise.
  #checkov:skip=CKV_AWS_173:Environment variables are encrypted at rest with the AWS-managed Lambda key; they hold bucket names, role ARNs and external IDs, none secret. kms_key_arn sets a customer-managed key where policy asks for one.
  #checkov:skip=CKV_AWS_272:Code signing needs an AWS Signer profile the organisation owns; code_signing_config_arn enforces one when it exists. The package is built reproducibly from source by `xpresign build-lambda`.
  #checkov:skip=CKV_AWS_115:Reserving concurrency takes capacity from every other function in the account, so it is opt-in through reserved_concurrent_executions.
  #checkov:skip=CKV_AWS_50:X-Ray tracing has a per-trace cost and adds little to a function that makes one STS call; tracing_enabled turns it on.
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this.arn
  handler       = "xpresign.lambda_handler.handler"
  runtime       = var.runtime
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout
  publish       = var.publish

  filename         = var.lambda_zip
  source_code_hash = filebase64sha256(var.lambda_zip)

  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  environment {
    variables = local.environment
  }

  logging_config {
    log_format            = "JSON"
    log_group             = local.log_group_ref
    application_log_level = var.application_log_level
    system_log_level      = var.system_log_level
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  # A snapshot of the initialised function, restored instead of a cold
  # start. Only published versions have one, so callers must reach them
  # through the alias.
  dynamic "snap_start" {
    for_each = var.snap_start ? [true] : []

    content {
      apply_on = "PublishedVersions"
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.environment_bytes <= 4096
      error_message = "The function's environment variables come to about ${local.environment_bytes} bytes (XPRESIGN_CONFIG alone ${local.config_bytes}); Lambda refuses more than 4096 for all of them together, at apply, not at plan. Set create_config_parameter = true to move the configuration to Parameter Store, or trim environment_variables."
    }

    precondition {
      condition     = var.alias_name == null || var.publish
      error_message = "alias_name needs publish = true: the alias points at the version each apply publishes."
    }

    precondition {
      condition     = !var.snap_start || (var.publish && var.alias_name != null && local.runtime_minor >= 12)
      error_message = "snap_start needs a python3.12 or later runtime, publish = true and an alias_name: Lambda snapshots published versions only, and callers reach them through the alias."
    }

    # The regions xpresign accepts as AWS_REGION (src/xpresign/partitions.py).
    precondition {
      condition     = can(regex("^((us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+|cn-[a-z]+|us-gov-[a-z]+)-[0-9]{1,2}$", local.region))
      error_message = "The function's region ${local.region} is not a region of the aws, aws-cn or aws-us-gov partition, the only ones xpresign builds endpoints for: it would refuse AWS_REGION at start-up."
    }

    precondition {
      condition     = length(local.partition_mismatches) == 0
      error_message = "${join("; ", local.partition_mismatches)}, but the function runs in ${local.region}, in the ${data.aws_partition.current.partition} partition. xpresign assumes every bucket's role through STS in the function's region (and signs for that region when an entry sets none), and one partition's credentials are not valid in another: deploy the presigner in the partition of the roles and buckets it serves."
    }

    precondition {
      condition     = length(var.function_name) >= 2 || !local.default_session_name_used
      error_message = "function_name \"${var.function_name}\" is one character, and xpresign uses the function's name as the STS role session name of every bucket entry without role_session_name: STS needs 2 to 64 characters. Set role_session_name on those entries, or use a longer function_name."
    }

    precondition {
      condition     = var.companion_bucket == null || length(local.companion_upload_prefixes) > 0
      error_message = "companion_bucket must be the alias of an entry in buckets that has upload_prefixes: Companion uploads go under that bucket's first upload prefix."
    }
  }

  # The first invocation must find its permissions in place.
  depends_on = [aws_iam_role_policy.this]
}

resource "aws_lambda_alias" "this" {
  count = var.alias_name == null ? 0 : 1

  name             = var.alias_name
  description      = "What the ${var.function_name} front doors invoke"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

# The function answers synchronous calls only. An asynchronous invoke (which
# any principal with lambda:InvokeFunction may send, including "*" for a
# public URL) runs once and is dropped: no retries, no hour-long queueing.
resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  qualifier                    = local.qualifier
  maximum_retry_attempts       = 0
  maximum_event_age_in_seconds = 60
}

################################################################################
# Function URL
################################################################################

resource "aws_lambda_function_url" "this" {
  count = var.create_function_url ? 1 : 0

  function_name      = aws_lambda_function.this.function_name
  qualifier          = local.qualifier
  authorization_type = var.function_url_auth_type

  dynamic "cors" {
    for_each = length(var.cors_allow_origins) > 0 ? [true] : []

    content {
      allow_origins = var.cors_allow_origins
      # DELETE: the Companion route that aborts a multipart upload.
      allow_methods = ["GET", "POST", "DELETE"]
      # Browsers calling an AWS_IAM URL sign their requests, so the SigV4
      # headers must be allowed through the preflight.
      allow_headers = ["content-type", "authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]
      max_age       = 600
    }
  }
}

# Since October 2025 a function URL needs both lambda:InvokeFunctionUrl and
# lambda:InvokeFunction in the resource policy for callers from outside the
# account (and for everyone when the URL is public).
resource "aws_lambda_permission" "invoke_url" {
  for_each = toset(var.create_function_url && var.function_url_auth_type == "AWS_IAM" ? var.invoker_principals : [])

  statement_id           = "InvokeFunctionUrl-${substr(sha1(each.key), 0, 16)}"
  function_name          = aws_lambda_function.this.function_name
  qualifier              = local.qualifier
  action                 = "lambda:InvokeFunctionUrl"
  principal              = each.key
  function_url_auth_type = "AWS_IAM"
}

resource "aws_lambda_permission" "invoke" {
  for_each = toset(var.invoker_principals)

  statement_id  = "InvokeFunction-${substr(sha1(each.key), 0, 16)}"
  function_name = aws_lambda_function.this.function_name
  qualifier     = local.qualifier
  action        = "lambda:InvokeFunction"
  principal     = each.key
}

resource "aws_lambda_permission" "public_url" {
  count = var.create_function_url && var.function_url_auth_type == "NONE" ? 1 : 0

  #checkov:skip=CKV_AWS_301:Created only when function_url_auth_type = "NONE", the explicit opt-in to a public URL that the README warns about; the default (AWS_IAM) creates nothing public.
  statement_id           = "PublicFunctionUrl"
  function_name          = aws_lambda_function.this.function_name
  qualifier              = local.qualifier
  action                 = "lambda:InvokeFunctionUrl"
  principal              = "*"
  function_url_auth_type = "NONE"
}

# The 5.x provider cannot attach the InvokedViaFunctionUrl condition (6.28
# can) that would limit this to URL calls. Without it, any AWS account may
# Invoke the function directly, asynchronous invokes included: it returns
# what the public URL already returns to anyone, and asynchronous invokes are
# run once and dropped (aws_lambda_function_event_invoke_config.this).
resource "aws_lambda_permission" "public_invoke" {
  count = var.create_function_url && var.function_url_auth_type == "NONE" ? 1 : 0

  #checkov:skip=CKV_AWS_301:Created only when function_url_auth_type = "NONE": AWS requires lambda:InvokeFunction next to lambda:InvokeFunctionUrl for a public URL; the README documents that it admits direct invokes from any account.
  statement_id  = "PublicFunctionUrlInvoke"
  function_name = aws_lambda_function.this.function_name
  qualifier     = local.qualifier
  action        = "lambda:InvokeFunction"
  principal     = "*"
}

################################################################################
# HTTP API: the browser front door (optional)
################################################################################

# Browsers cannot sign with SigV4 without holding AWS credentials, and a
# static token in a web page is public, so browsers present their user's JWT
# to an API Gateway HTTP API, which checks it before the function runs. Only
# Uppy's Companion routes exist, where the function chooses every key; the
# JSON API with caller-chosen keys stays behind the IAM-authorised doors.

locals {
  http_api_log_group_name = "/aws/apigateway/${var.function_name}"
}

resource "aws_apigatewayv2_api" "this" {
  count = var.create_http_api ? 1 : 0

  name          = var.function_name
  description   = "xpresign Companion routes for browser uploads (JWT)"
  protocol_type = "HTTP"

  # API Gateway answers preflights itself from this configuration, before
  # any route or authorizer: an OPTIONS request carries no token.
  dynamic "cors_configuration" {
    for_each = length(var.cors_allow_origins) > 0 ? [true] : []

    content {
      allow_origins = var.cors_allow_origins
      allow_methods = ["GET", "POST", "DELETE"]
      allow_headers = ["authorization", "content-type"]
      max_age       = 600
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.companion_bucket != null
      error_message = "create_http_api needs companion_bucket: the Companion routes upload into that bucket."
    }

    precondition {
      condition     = var.http_api_jwt_issuer != null && length(var.http_api_jwt_audiences) > 0
      error_message = "create_http_api needs http_api_jwt_issuer and at least one entry in http_api_jwt_audiences: every route requires a valid JWT."
    }
  }
}

resource "aws_apigatewayv2_authorizer" "this" {
  count = var.create_http_api ? 1 : 0

  api_id           = aws_apigatewayv2_api.this[0].id
  name             = "jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.http_api_jwt_issuer
    audience = var.http_api_jwt_audiences
  }
}

resource "aws_apigatewayv2_integration" "this" {
  count = var.create_http_api ? 1 : 0

  api_id                 = aws_apigatewayv2_api.this[0].id
  description            = "The ${var.function_name} presigner"
  integration_type       = "AWS_PROXY"
  integration_uri        = local.target_invoke_arn
  payload_format_version = "2.0"
  # API Gateway gives up after 30 s at most; the function's own limit first.
  timeout_milliseconds = min(30000, var.timeout * 1000 + 1000)
}

resource "aws_apigatewayv2_route" "this" {
  for_each = toset(var.create_http_api ? local.companion_routes : [])

  api_id             = aws_apigatewayv2_api.this[0].id
  route_key          = each.key
  target             = "integrations/${aws_apigatewayv2_integration.this[0].id}"
  authorization_type = "JWT"
  authorizer_id      = aws_apigatewayv2_authorizer.this[0].id
}

resource "aws_cloudwatch_log_group" "http_api" {
  count = var.create_http_api ? 1 : 0

  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest; log_kms_key_arn adds a customer-managed key where policy asks for one. Access logs hold route keys, statuses and caller IPs, never tokens or signed URLs.
  name              = local.http_api_log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

resource "aws_apigatewayv2_stage" "this" {
  count = var.create_http_api ? 1 : 0

  api_id      = aws_apigatewayv2_api.this[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.http_api_throttling_burst_limit
    throttling_rate_limit  = var.http_api_throttling_rate_limit
  }

  # The route key, not the raw path, and no query string or header.
  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.http_api[0].arn
    format = jsonencode({
      requestId        = "$context.requestId"
      requestTime      = "$context.requestTime"
      sourceIp         = "$context.identity.sourceIp"
      routeKey         = "$context.routeKey"
      status           = "$context.status"
      responseLength   = "$context.responseLength"
      authorizerError  = "$context.authorizer.error"
      integrationError = "$context.integrationErrorMessage"
    })
  }

  tags = var.tags
}

resource "aws_lambda_permission" "http_api" {
  count = var.create_http_api ? 1 : 0

  statement_id  = "HttpApiCompanionRoutes"
  function_name = aws_lambda_function.this.function_name
  qualifier     = local.qualifier
  action        = "lambda:InvokeFunction"
  principal     = "apigateway.amazonaws.com"
  # This API, any stage, any method, paths under /s3/ only.
  source_arn = "${aws_apigatewayv2_api.this[0].execution_arn}/*/*/s3/*"
}
