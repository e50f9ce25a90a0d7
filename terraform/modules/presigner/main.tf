# The presigner in account B: a Lambda function whose execution role may do
# nothing but assume the access roles in the bucket owners' accounts and
# write its own logs. The URLs it returns are signed with the assumed roles'
# temporary credentials.

data "aws_caller_identity" "current" {}

locals {
  role_name = coalesce(var.role_name, var.function_name)

  # The document xpresign reads from XPRESIGN_CONFIG (docs/configuration.md).
  # Unset optional attributes become JSON nulls, which xpresign treats as
  # absent, so the library's defaults apply.
  config = {
    buckets            = var.buckets
    max_batch          = var.max_batch
    cors_allow_origins = length(var.cors_allow_origins) > 0 ? var.cors_allow_origins : null
  }

  target_role_arns          = distinct([for b in values(var.buckets) : b.role_arn])
  source_identity_role_arns = distinct([for b in values(var.buckets) : b.role_arn if b.source_identity != null])
  session_tag_role_arns     = distinct([for b in values(var.buckets) : b.role_arn if b.session_tags != null])
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
      values   = [data.aws_caller_identity.current.account_id]
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

  # No logs:CreateLogGroup: Terraform creates the group, so the function only
  # writes streams into it.
  statement {
    sid       = "WriteOwnLogs"
    effect    = "Allow"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.this.arn}:*"]
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
# Logs
################################################################################

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_158:CloudWatch Logs encrypts every log group at rest; log_kms_key_arn adds a customer-managed key where policy asks for one. The logs hold bucket aliases, keys and request IDs, never credentials or signed URLs.
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

################################################################################
# Function
################################################################################

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_117:The function calls only the public STS endpoint and returns URLs; it reaches no VPC resource, and a VPC would add NAT cost and cold-start latency for no isolation gain.
  #checkov:skip=CKV_AWS_116:Callers invoke synchronously (function URL or direct Invoke) and receive errors in the response; a dead-letter queue only catches asynchronous invocations, which this function does not serve.
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

  filename         = var.lambda_zip
  source_code_hash = filebase64sha256(var.lambda_zip)

  reserved_concurrent_executions = var.reserved_concurrent_executions
  kms_key_arn                    = var.kms_key_arn
  code_signing_config_arn        = var.code_signing_config_arn

  environment {
    variables = merge(var.environment_variables, {
      XPRESIGN_CONFIG = jsonencode(local.config)
    })
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.application_log_level
    system_log_level      = var.system_log_level
  }

  tracing_config {
    mode = var.tracing_enabled ? "Active" : "PassThrough"
  }

  tags = var.tags

  # The first invocation must find its permissions in place.
  depends_on = [aws_iam_role_policy.this]
}

################################################################################
# Function URL
################################################################################

resource "aws_lambda_function_url" "this" {
  count = var.create_function_url ? 1 : 0

  function_name      = aws_lambda_function.this.function_name
  authorization_type = var.function_url_auth_type

  dynamic "cors" {
    for_each = length(var.cors_allow_origins) > 0 ? [true] : []

    content {
      allow_origins = var.cors_allow_origins
      allow_methods = ["GET", "POST"]
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
  action                 = "lambda:InvokeFunctionUrl"
  principal              = each.key
  function_url_auth_type = "AWS_IAM"
}

resource "aws_lambda_permission" "invoke" {
  for_each = toset(var.invoker_principals)

  statement_id  = "InvokeFunction-${substr(sha1(each.key), 0, 16)}"
  function_name = aws_lambda_function.this.function_name
  action        = "lambda:InvokeFunction"
  principal     = each.key
}

resource "aws_lambda_permission" "public_url" {
  count = var.create_function_url && var.function_url_auth_type == "NONE" ? 1 : 0

  #checkov:skip=CKV_AWS_301:Created only when function_url_auth_type = "NONE", the explicit opt-in to a public URL that the README warns about; the default (AWS_IAM) creates nothing public.
  statement_id           = "PublicFunctionUrl"
  function_name          = aws_lambda_function.this.function_name
  action                 = "lambda:InvokeFunctionUrl"
  principal              = "*"
  function_url_auth_type = "NONE"
}

# The 5.x provider cannot attach the InvokedViaFunctionUrl condition that would
# limit this to URL calls. Without a condition it also admits direct Invoke by
# any AWS principal, which returns exactly what the public URL already returns
# to anyone, so it grants nothing the opt-in did not.
resource "aws_lambda_permission" "public_invoke" {
  count = var.create_function_url && var.function_url_auth_type == "NONE" ? 1 : 0

  #checkov:skip=CKV_AWS_301:Created only when function_url_auth_type = "NONE": AWS requires lambda:InvokeFunction next to lambda:InvokeFunctionUrl for a public URL, and direct Invoke returns nothing the public URL does not.
  statement_id  = "PublicFunctionUrlInvoke"
  function_name = aws_lambda_function.this.function_name
  action        = "lambda:InvokeFunction"
  principal     = "*"
}
