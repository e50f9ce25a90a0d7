# Offline tests of the paths the moto end-to-end run never applies. A mock
# provider answers every call, so the assertions read what the module asks
# for: the statements of each policy document (a mock cannot render their
# JSON), resource arguments, the environment, preconditions and validations.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = {
      account_id = "222222222222"
    }
  }

  mock_data "aws_partition" {
    defaults = {
      partition  = "aws"
      dns_suffix = "amazonaws.com"
    }
  }

  mock_data "aws_region" {
    defaults = {
      name = "eu-central-1"
    }
  }

  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }

  mock_data "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-central-1:222222222222:log-group:/aws/lambda/xpresign"
    }
  }

  mock_resource "aws_iam_role" {
    defaults = {
      arn = "arn:aws:iam::222222222222:role/xpresign"
    }
  }

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-central-1:222222222222:log-group:/aws/lambda/xpresign"
    }
  }

  mock_resource "aws_lambda_function" {
    defaults = {
      arn        = "arn:aws:lambda:eu-central-1:222222222222:function:xpresign"
      invoke_arn = "arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-central-1:222222222222:function:xpresign/invocations"
      version    = "7"
    }
  }

  mock_resource "aws_lambda_alias" {
    defaults = {
      arn        = "arn:aws:lambda:eu-central-1:222222222222:function:xpresign:live"
      invoke_arn = "arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-central-1:222222222222:function:xpresign:live/invocations"
    }
  }

  mock_resource "aws_ssm_parameter" {
    defaults = {
      arn     = "arn:aws:ssm:eu-central-1:222222222222:parameter/xpresign/xpresign/config"
      version = 3
    }
  }

  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      execution_arn = "arn:aws:execute-api:eu-central-1:222222222222:a1b2c3d4e5"
      api_endpoint  = "https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com"
    }
  }

  mock_resource "aws_apigatewayv2_authorizer" {
    defaults = {
      id = "auth01"
    }
  }

  mock_resource "aws_apigatewayv2_integration" {
    defaults = {
      id = "int001"
    }
  }
}

variables {
  lambda_zip = "tests/fixtures/lambda.zip"
  buckets = {
    movies = {
      bucket           = "classic-movies"
      region           = "eu-west-1"
      role_arn         = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
      external_id      = "b7f3c1d2"
      allowed_prefixes = ["movies/"]
    }
  }
}

run "defaults_write_a_config_without_nulls" {
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      XPRESIGN_CONFIG = "{\"buckets\":{\"movies\":{\"allowed_prefixes\":[\"movies/\"],\"bucket\":\"classic-movies\",\"external_id\":\"b7f3c1d2\",\"region\":\"eu-west-1\",\"role_arn\":\"arn:aws:iam::111111111111:role/xpresign-classic-movies\"}}}"
    })
    error_message = "XPRESIGN_CONFIG must hold the set attributes only, and nothing else may be in the environment."
  }

  assert {
    condition     = !strcontains(aws_lambda_function.this.environment[0].variables.XPRESIGN_CONFIG, "null")
    error_message = "No null may reach XPRESIGN_CONFIG."
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 0 && aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds == 60 && aws_lambda_function_event_invoke_config.this.qualifier == null
    error_message = "Asynchronous invokes are never retried."
  }

  assert {
    condition     = aws_lambda_function_url.this[0].authorization_type == "AWS_IAM" && aws_lambda_function_url.this[0].qualifier == null
    error_message = "The function URL is IAM-authorised and targets $LATEST by default."
  }

  assert {
    condition = [for s in data.aws_iam_policy_document.this.statement : { sid = s.sid, actions = s.actions, resources = s.resources }] == [
      { sid = "AssumeBucketAccessRoles", actions = toset(["sts:AssumeRole"]), resources = toset(["arn:aws:iam::111111111111:role/xpresign-classic-movies"]) },
      { sid = "WriteOwnLogs", actions = toset(["logs:CreateLogStream", "logs:PutLogEvents"]), resources = toset(["arn:aws:logs:eu-central-1:222222222222:log-group:/aws/lambda/xpresign:*"]) },
    ]
    error_message = "The execution role may assume the access role and write its own logs, nothing else."
  }

  assert {
    condition     = length(aws_lambda_permission.public_url) == 0 && length(aws_lambda_permission.public_invoke) == 0 && length(aws_lambda_alias.this) == 0 && length(aws_ssm_parameter.config) == 0 && length(aws_apigatewayv2_api.this) == 0
    error_message = "Nothing optional is created by default."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this[0].name == "/aws/lambda/xpresign" && aws_lambda_function.this.logging_config[0].log_group == "/aws/lambda/xpresign"
    error_message = "The module creates the log group the function logs to."
  }

  assert {
    condition     = !aws_lambda_function.this.publish && length(aws_lambda_function.this.snap_start) == 0
    error_message = "publish and SnapStart are opt-in."
  }
}

run "every_new_setting_reaches_the_config" {
  variables {
    buckets = {
      uploads = {
        bucket                = "drop-box"
        role_arn              = "arn:aws:iam::111111111111:role/xpresign-drop-box"
        upload_prefixes       = ["incoming/"]
        max_upload_size       = 104857600
        allowed_content_types = ["video/mp4", "image/png"]
        max_expires           = 3600
        role_duration         = 3600
      }
    }
    companion_bucket   = "uploads"
    max_batch          = 200
    cors_allow_origins = ["https://app.example.com"]
  }

  assert {
    condition = jsondecode(aws_lambda_function.this.environment[0].variables.XPRESIGN_CONFIG) == {
      buckets = {
        uploads = {
          bucket                = "drop-box"
          role_arn              = "arn:aws:iam::111111111111:role/xpresign-drop-box"
          upload_prefixes       = ["incoming/"]
          max_upload_size       = 104857600
          allowed_content_types = ["video/mp4", "image/png"]
          max_expires           = 3600
          role_duration         = 3600
        }
      }
      companion_bucket   = "uploads"
      max_batch          = 200
      cors_allow_origins = ["https://app.example.com"]
    }
    error_message = "allowed_content_types, upload_prefixes, max_upload_size and companion_bucket must reach XPRESIGN_CONFIG."
  }

  assert {
    condition     = aws_lambda_function_url.this[0].cors[0].allow_methods == toset(["GET", "POST", "DELETE"])
    error_message = "The function URL's CORS allows DELETE for the Companion abort route."
  }
}

run "environment_over_4kb_fails_at_plan" {
  command = plan

  variables {
    buckets = { for i in range(12) : "bucket-number-${i}" => {
      bucket           = "a-rather-long-bucket-name-for-movies-${i}"
      region           = "ap-southeast-2"
      role_arn         = "arn:aws:iam::111111111111:role/xpresign-a-rather-long-bucket-name-for-movies-${i}"
      external_id      = "8c1f04b7-1d2e-4f5a-9b8c-7d6e5f4a3b2c"
      allowed_prefixes = ["movies/2024/", "trailers/2024/"]
      max_expires      = 3600
      default_expires  = 900
    } }
  }

  expect_failures = [aws_lambda_function.this]
}

run "environment_variables_count_toward_4kb" {
  command = plan

  variables {
    environment_variables = { PADDING = format("%4000s", "x") }
  }

  expect_failures = [aws_lambda_function.this]
}

run "parameter_store_takes_the_config_past_4kb" {
  variables {
    create_config_parameter = true
    buckets = { for i in range(16) : "bucket-number-${i}" => {
      bucket           = "a-rather-long-bucket-name-for-movies-${i}"
      region           = "ap-southeast-2"
      role_arn         = "arn:aws:iam::111111111111:role/xpresign-a-rather-long-bucket-name-for-movies-${i}"
      external_id      = "8c1f04b7-1d2e-4f5a-9b8c-7d6e5f4a3b2c"
      allowed_prefixes = ["movies/2024/", "trailers/2024/"]
      max_expires      = 3600
      default_expires  = 900
    } }
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables == tomap({ XPRESIGN_CONFIG_SSM_PARAMETER = "/xpresign/xpresign/config:3" })
    error_message = "With a parameter, the environment names it (pinned to its version) and holds no configuration."
  }

  assert {
    condition     = aws_ssm_parameter.config[0].type == "SecureString" && aws_ssm_parameter.config[0].tier == "Advanced" && length(jsondecode(aws_ssm_parameter.config[0].value).buckets) == 16
    error_message = "The document goes to a SecureString, in the Advanced tier once over 4 KB."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "ReadOwnConfiguration"]).resources == toset(["arn:aws:ssm:eu-central-1:222222222222:parameter/xpresign/xpresign/config"]) && one([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "ReadOwnConfiguration"]).actions == toset(["ssm:GetParameter"])
    error_message = "The function may read its own parameter and no other."
  }

  assert {
    condition     = length([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "DecryptOwnConfiguration"]) == 0
    error_message = "The AWS-managed key needs no kms:Decrypt statement."
  }

  assert {
    condition     = output.config_parameter_name == "/xpresign/xpresign/config" && output.environment_size_bytes < 100
    error_message = "The outputs name the parameter and a small environment."
  }
}

run "parameter_under_a_customer_key" {
  variables {
    create_config_parameter      = true
    config_parameter_name        = "/apps/presigner/config"
    config_parameter_kms_key_arn = "arn:aws:kms:eu-central-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition     = aws_ssm_parameter.config[0].key_id == "arn:aws:kms:eu-central-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab" && aws_ssm_parameter.config[0].tier == "Standard"
    error_message = "The parameter uses the customer key; a small document stays in the Standard tier."
  }

  assert {
    condition = { for c in one([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "DecryptOwnConfiguration"]).condition : c.variable => c.values } == {
      "kms:ViaService"                      = tolist(["ssm.eu-central-1.amazonaws.com"])
      "kms:EncryptionContext:PARAMETER_ARN" = tolist(["arn:aws:ssm:eu-central-1:222222222222:parameter/xpresign/xpresign/config"])
    }
    error_message = "kms:Decrypt only through SSM, for this parameter."
  }
}

run "parameter_over_8kb_fails_at_plan" {
  command = plan

  variables {
    create_config_parameter = true
    buckets = { for i in range(30) : "bucket-number-${i}" => {
      bucket           = "a-rather-long-bucket-name-for-movies-${i}"
      region           = "ap-southeast-2"
      role_arn         = "arn:aws:iam::111111111111:role/xpresign-a-rather-long-bucket-name-for-movies-${i}"
      external_id      = "8c1f04b7-1d2e-4f5a-9b8c-7d6e5f4a3b2c"
      allowed_prefixes = ["movies/2024/", "trailers/2024/"]
    } }
  }

  expect_failures = [aws_ssm_parameter.config]
}

run "public_url_is_explicit_and_async_is_dropped" {
  variables {
    function_url_auth_type = "NONE"
  }

  assert {
    condition     = aws_lambda_function_url.this[0].authorization_type == "NONE" && aws_lambda_permission.public_url[0].principal == "*" && aws_lambda_permission.public_url[0].function_url_auth_type == "NONE"
    error_message = "NONE creates the public URL permission."
  }

  assert {
    condition     = aws_lambda_permission.public_invoke[0].action == "lambda:InvokeFunction" && aws_lambda_permission.public_invoke[0].principal == "*"
    error_message = "AWS requires lambda:InvokeFunction for * next to the URL permission."
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts == 0
    error_message = "Stray asynchronous invokes from anyone are run once, never retried."
  }
}

run "invoker_principals_get_both_permissions" {
  variables {
    invoker_principals = ["333333333333", "arn:aws:iam::444444444444:role/caller"]
  }

  assert {
    condition     = toset([for p in aws_lambda_permission.invoke : p.principal]) == toset(["333333333333", "arn:aws:iam::444444444444:role/caller"]) && alltrue([for p in aws_lambda_permission.invoke : p.action == "lambda:InvokeFunction"])
    error_message = "Each invoker principal may invoke the function."
  }

  assert {
    condition     = toset([for p in aws_lambda_permission.invoke_url : p.principal]) == toset(["333333333333", "arn:aws:iam::444444444444:role/caller"]) && alltrue([for p in aws_lambda_permission.invoke_url : p.function_url_auth_type == "AWS_IAM"])
    error_message = "Each invoker principal may call the IAM-authorised URL."
  }
}

run "invoker_principals_refuse_everyone" {
  command = plan

  variables {
    invoker_principals = ["*"]
  }

  expect_failures = [var.invoker_principals]
}

run "tracing_writes_traces" {
  variables {
    tracing_enabled = true
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active" && one([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "WriteTraces"]).actions == toset(["xray:PutTraceSegments", "xray:PutTelemetryRecords"])
    error_message = "Tracing turns on X-Ray and lets the role write traces."
  }
}

run "alias_is_what_every_door_targets" {
  variables {
    publish            = true
    alias_name         = "live"
    invoker_principals = ["333333333333"]
  }

  assert {
    condition     = aws_lambda_alias.this[0].function_version == "7" && aws_lambda_function.this.publish
    error_message = "The alias follows the published version."
  }

  assert {
    condition = alltrue([
      aws_lambda_function_url.this[0].qualifier == "live",
      aws_lambda_function_event_invoke_config.this.qualifier == "live",
      one(values(aws_lambda_permission.invoke)).qualifier == "live",
      one(values(aws_lambda_permission.invoke_url)).qualifier == "live",
    ])
    error_message = "The URL, the permissions and the async settings target the alias."
  }

  assert {
    condition     = output.invoke_target_arn == "arn:aws:lambda:eu-central-1:222222222222:function:xpresign:live"
    error_message = "Callers are told to invoke the alias."
  }
}

run "alias_needs_publish" {
  command = plan

  variables {
    alias_name = "live"
  }

  expect_failures = [aws_lambda_function.this]
}

run "alias_is_not_a_version_number" {
  command = plan

  variables {
    publish    = true
    alias_name = "42"
  }

  expect_failures = [var.alias_name]
}

run "snap_start_on_published_versions" {
  variables {
    publish    = true
    alias_name = "live"
    snap_start = true
  }

  assert {
    condition     = aws_lambda_function.this.snap_start[0].apply_on == "PublishedVersions"
    error_message = "SnapStart applies to published versions."
  }
}

run "snap_start_needs_python_3_12" {
  command = plan

  variables {
    runtime    = "python3.11"
    publish    = true
    alias_name = "live"
    snap_start = true
  }

  expect_failures = [aws_lambda_function.this]
}

run "snap_start_needs_an_alias" {
  command = plan

  variables {
    publish    = true
    snap_start = true
  }

  expect_failures = [aws_lambda_function.this]
}

run "existing_log_group_is_looked_up" {
  variables {
    create_log_group = false
  }

  assert {
    condition     = length(aws_cloudwatch_log_group.this) == 0 && data.aws_cloudwatch_log_group.existing[0].name == "/aws/lambda/xpresign"
    error_message = "An existing group is looked up, not created."
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "WriteOwnLogs"]).resources == toset(["arn:aws:logs:eu-central-1:222222222222:log-group:/aws/lambda/xpresign:*"])
    error_message = "The function writes into the existing group."
  }
}

run "log_key_policy_for_the_logs_service" {
  variables {
    log_kms_key_arn    = "arn:aws:kms:eu-central-1:222222222222:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    log_group_name     = "/org/xpresign"
    create_http_api    = true
    companion_bucket   = "movies"
    cors_allow_origins = ["https://app.example.com"]
    buckets = {
      movies = {
        role_arn        = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        upload_prefixes = ["incoming/"]
      }
    }
    http_api_jwt_issuer    = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEfGhI"
    http_api_jwt_audiences = ["3n4b5urk1ft4fl3mg5e62d9ado"]
  }

  assert {
    condition     = one(one(data.aws_iam_policy_document.log_kms_key_policy[0].statement).principals).identifiers == toset(["logs.eu-central-1.amazonaws.com"])
    error_message = "The key policy statement names the regional CloudWatch Logs service."
  }

  assert {
    condition = one(one(data.aws_iam_policy_document.log_kms_key_policy[0].statement).condition).values == tolist([
      "arn:aws:logs:eu-central-1:222222222222:log-group:/org/xpresign",
      "arn:aws:logs:eu-central-1:222222222222:log-group:/aws/apigateway/xpresign",
    ])
    error_message = "The statement is limited to the module's log groups."
  }

  assert {
    condition     = aws_cloudwatch_log_group.this[0].kms_key_id == var.log_kms_key_arn && aws_cloudwatch_log_group.http_api[0].kms_key_id == var.log_kms_key_arn
    error_message = "Both log groups use the key."
  }
}

run "extra_policy_statements" {
  variables {
    policy_statements = {
      ReadUploadsTable = {
        actions   = ["dynamodb:GetItem"]
        resources = ["arn:aws:dynamodb:eu-central-1:222222222222:table/uploads"]
        conditions = [
          { test = "StringEquals", variable = "aws:RequestedRegion", values = ["eu-central-1"] },
        ]
      }
    }
  }

  assert {
    condition     = one([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "ReadUploadsTable"]).effect == "Allow" && one([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "ReadUploadsTable"]).actions == toset(["dynamodb:GetItem"])
    error_message = "Extra statements are added under their key."
  }

  assert {
    condition     = one(one([for s in data.aws_iam_policy_document.this.statement : s if s.sid == "ReadUploadsTable"]).condition).variable == "aws:RequestedRegion"
    error_message = "Extra statements keep their conditions."
  }
}

run "http_api_serves_only_the_companion_routes_behind_jwt" {
  variables {
    buckets = {
      uploads = {
        bucket          = "drop-box"
        role_arn        = "arn:aws:iam::111111111111:role/xpresign-drop-box"
        upload_prefixes = ["incoming/"]
      }
    }
    companion_bucket       = "uploads"
    cors_allow_origins     = ["https://app.example.com"]
    create_http_api        = true
    http_api_jwt_issuer    = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEfGhI"
    http_api_jwt_audiences = ["3n4b5urk1ft4fl3mg5e62d9ado"]
  }

  assert {
    condition = toset(keys(aws_apigatewayv2_route.this)) == toset([
      "GET /s3/params",
      "POST /s3/multipart",
      "GET /s3/multipart/{uploadId}/{partNumber}",
      "GET /s3/multipart/{uploadId}",
      "POST /s3/multipart/{uploadId}/complete",
      "DELETE /s3/multipart/{uploadId}",
    ])
    error_message = "Exactly the six Companion routes: no $default, no OPTIONS route."
  }

  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "JWT" && r.authorizer_id == "auth01" && r.target == "integrations/int001"])
    error_message = "Every route requires the JWT authorizer and reaches the function."
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.this[0].authorizer_type == "JWT" && aws_apigatewayv2_authorizer.this[0].jwt_configuration[0].issuer == var.http_api_jwt_issuer && aws_apigatewayv2_authorizer.this[0].jwt_configuration[0].audience == toset(var.http_api_jwt_audiences) && aws_apigatewayv2_authorizer.this[0].identity_sources == toset(["$request.header.Authorization"])
    error_message = "The authorizer checks the bearer token against the issuer and audiences."
  }

  assert {
    condition     = aws_apigatewayv2_api.this[0].cors_configuration[0].allow_origins == toset(["https://app.example.com"]) && aws_apigatewayv2_api.this[0].cors_configuration[0].allow_methods == toset(["GET", "POST", "DELETE"]) && aws_apigatewayv2_api.this[0].cors_configuration[0].allow_headers == toset(["authorization", "content-type"])
    error_message = "API Gateway answers preflights from cors_configuration, before the authorizer."
  }

  assert {
    condition     = aws_apigatewayv2_integration.this[0].integration_type == "AWS_PROXY" && aws_apigatewayv2_integration.this[0].payload_format_version == "2.0" && aws_apigatewayv2_integration.this[0].integration_uri == "arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-central-1:222222222222:function:xpresign/invocations"
    error_message = "The integration proxies to the function with payload 2.0."
  }

  assert {
    condition     = aws_lambda_permission.http_api[0].principal == "apigateway.amazonaws.com" && aws_lambda_permission.http_api[0].source_arn == "arn:aws:execute-api:eu-central-1:222222222222:a1b2c3d4e5/*/*/s3/*"
    error_message = "API Gateway may invoke the function for this API's /s3/ paths only."
  }

  assert {
    condition     = aws_apigatewayv2_stage.this[0].name == "$default" && aws_apigatewayv2_stage.this[0].auto_deploy && aws_apigatewayv2_stage.this[0].access_log_settings[0].destination_arn == aws_cloudwatch_log_group.http_api[0].arn
    error_message = "One auto-deployed stage, with access logs."
  }

  assert {
    condition     = jsondecode(aws_lambda_function.this.environment[0].variables.XPRESIGN_CONFIG).companion_bucket == "uploads" && output.http_api_endpoint == "https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com"
    error_message = "The function knows the Companion bucket, and the endpoint is an output."
  }
}

run "http_api_targets_the_alias" {
  variables {
    buckets = {
      uploads = {
        role_arn        = "arn:aws:iam::111111111111:role/xpresign-drop-box"
        upload_prefixes = ["incoming/"]
      }
    }
    companion_bucket       = "uploads"
    publish                = true
    alias_name             = "live"
    create_http_api        = true
    http_api_jwt_issuer    = "https://issuer.example.com"
    http_api_jwt_audiences = ["xpresign"]
  }

  assert {
    condition     = aws_apigatewayv2_integration.this[0].integration_uri == "arn:aws:apigateway:eu-central-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-central-1:222222222222:function:xpresign:live/invocations" && aws_lambda_permission.http_api[0].qualifier == "live"
    error_message = "With an alias the HTTP API invokes the alias."
  }
}

run "http_api_needs_an_issuer" {
  command = plan

  variables {
    buckets = {
      uploads = {
        role_arn        = "arn:aws:iam::111111111111:role/xpresign-drop-box"
        upload_prefixes = ["incoming/"]
      }
    }
    companion_bucket = "uploads"
    create_http_api  = true
  }

  expect_failures = [aws_apigatewayv2_api.this]
}

run "http_api_needs_a_companion_bucket" {
  command = plan

  variables {
    create_http_api        = true
    http_api_jwt_issuer    = "https://issuer.example.com"
    http_api_jwt_audiences = ["xpresign"]
  }

  expect_failures = [aws_apigatewayv2_api.this]
}

run "companion_bucket_must_take_uploads" {
  command = plan

  variables {
    companion_bucket = "movies"
  }

  expect_failures = [aws_lambda_function.this]
}

run "companion_bucket_must_be_configured" {
  command = plan

  variables {
    companion_bucket = "nope"
  }

  expect_failures = [aws_lambda_function.this]
}

run "expiry_stops_at_the_role_chaining_hour" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn      = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        max_expires   = 7200
        role_duration = 7200
      }
    }
  }

  expect_failures = [var.buckets]
}

run "bucket_entries_are_validated" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn              = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        allowed_prefixes      = ["movies/*"]
        upload_prefixes       = [""]
        allowed_content_types = ["Video/MP4; codecs=avc1"]
        max_upload_size       = 0
      }
    }
  }

  expect_failures = [var.buckets]
}

run "environment_variables_cannot_replace_the_config" {
  command = plan

  variables {
    environment_variables = { XPRESIGN_CONFIG_SSM_PARAMETER = "/elsewhere" }
  }

  expect_failures = [var.environment_variables]
}

run "environment_variables_cannot_add_a_companion_bucket" {
  command = plan

  variables {
    environment_variables = { XPRESIGN_COMPANION_BUCKET = "movies" }
  }

  expect_failures = [var.environment_variables]
}

run "cors_origins_are_what_xpresign_accepts" {
  command = plan

  variables {
    cors_allow_origins = ["https://app.example.com/"]
  }

  expect_failures = [var.cors_allow_origins]
}

################################################################################
# What xpresign refuses at start-up fails the plan (src/xpresign/config.py,
# config_bucket.py, partitions.py), and what it accepts plans.
################################################################################

run "start_up_rules_accept_their_edge_values" {
  variables {
    runtime                 = "python3.12"
    max_batch               = 10000
    function_name           = "xp"
    create_config_parameter = true
    config_parameter_name   = "/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11/l12/l13/l14/l15/my-aws-ssm.config_v1"
    buckets = {
      movies = {
        bucket            = "classic-movies"
        region            = "eu-west-1"
        role_arn          = "arn:aws:iam::111111111111:role/path/xpresign-classic-movies"
        external_id       = "b7"
        source_identity   = "alice.smith+ops=1,x@example.com"
        role_session_name = "xpresign-session-name-of-sixty-four-characters-abcdefghijklmnopq"
        addressing_style  = "virtual"
      }
      legacy = {
        bucket           = "Legacy_Bucket.with.dots"
        role_arn         = "arn:aws:iam::111111111111:role/xpresign-legacy"
        external_id      = join("", [for i in range(612) : "a:"])
        addressing_style = "path"
      }
      "alias-is-the-name" = {
        region           = "us-east-1"
        role_arn         = "arn:aws:iam::111111111111:role/xpresign-alias"
        addressing_style = "auto"
      }
    }
  }

  assert {
    condition     = length(var.buckets.movies.role_session_name) == 64 && length(var.buckets.legacy.external_id) == 1224
    error_message = "The test's edge values are what they claim."
  }

  assert {
    condition     = jsondecode(aws_ssm_parameter.config[0].value).max_batch == 10000 && jsondecode(aws_ssm_parameter.config[0].value).buckets.movies.addressing_style == "virtual" && aws_ssm_parameter.config[0].name == var.config_parameter_name
    error_message = "Accepted settings reach the configuration unchanged."
  }
}

run "plain_parameter_name_and_smallest_batch" {
  variables {
    max_batch               = 1
    create_config_parameter = true
    config_parameter_name   = "xpresign-config"
  }

  assert {
    condition     = aws_ssm_parameter.config[0].name == "xpresign-config" && jsondecode(aws_ssm_parameter.config[0].value).max_batch == 1
    error_message = "A root parameter name without a slash is a Parameter Store name."
  }
}

run "runtime_python_3_14_is_refused" {
  command = plan

  variables {
    runtime = "python3.14"
  }

  expect_failures = [var.runtime]
}

run "runtime_python_3_10_is_refused" {
  command = plan

  variables {
    runtime = "python3.10"
  }

  expect_failures = [var.runtime]
}

run "max_batch_of_0_is_refused" {
  command = plan

  variables {
    max_batch = 0
  }

  expect_failures = [var.max_batch]
}

run "max_batch_over_10000_is_refused" {
  command = plan

  variables {
    max_batch = 10001
  }

  expect_failures = [var.max_batch]
}

run "max_batch_is_a_whole_number" {
  command = plan

  variables {
    max_batch = 2.5
  }

  expect_failures = [var.max_batch]
}

run "parameter_hierarchy_needs_a_leading_slash" {
  command = plan

  variables {
    create_config_parameter = true
    config_parameter_name   = "xpresign/config"
  }

  expect_failures = [var.config_parameter_name]
}

run "parameter_name_refuses_the_aws_prefix" {
  command = plan

  variables {
    create_config_parameter = true
    config_parameter_name   = "/AWS/xpresign/config"
  }

  expect_failures = [var.config_parameter_name]
}

run "parameter_name_refuses_the_ssm_prefix" {
  command = plan

  variables {
    create_config_parameter = true
    config_parameter_name   = "SsmXpresignConfig"
  }

  expect_failures = [var.config_parameter_name]
}

run "parameter_hierarchy_stops_at_15_levels" {
  command = plan

  variables {
    create_config_parameter = true
    config_parameter_name   = "/l1/l2/l3/l4/l5/l6/l7/l8/l9/l10/l11/l12/l13/l14/l15/config"
  }

  expect_failures = [var.config_parameter_name]
}

run "parameter_name_length_leaves_room_for_the_arn" {
  command = plan

  variables {
    create_config_parameter = true
    config_parameter_name   = "/${join("", [for i in range(478) : "ab"])}"
  }

  expect_failures = [var.config_parameter_name]
}

run "bucket_name_follows_xpresign_rule" {
  command = plan

  variables {
    buckets = {
      movies = {
        bucket   = "classic movies"
        role_arn = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "role_arn_outside_the_supported_partitions_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn = "arn:aws-iso:iam::111111111111:role/xpresign-classic-movies"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "region_of_an_isolated_partition_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        region   = "us-iso-east-1"
        role_arn = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "region_must_be_a_region_name" {
  command = plan

  variables {
    buckets = {
      movies = {
        region   = "eu-west1"
        role_arn = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "role_partition_must_match_the_bucket_region" {
  command = plan

  variables {
    buckets = {
      movies = {
        region   = "cn-north-1"
        role_arn = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "addressing_style_is_auto_virtual_or_path" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn         = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        addressing_style = "virtual-hosted"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "virtual_addressing_needs_a_dns_compatible_name" {
  command = plan

  variables {
    buckets = {
      movies = {
        bucket           = "classic.movies"
        role_arn         = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        addressing_style = "virtual"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "external_id_of_one_character_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn    = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        external_id = "b"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "external_id_outside_the_sts_alphabet_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn    = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        external_id = "b7f3 c1d2"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "external_id_over_1224_characters_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn    = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        external_id = join("", [for i in range(613) : "ab"])
      }
    }
  }

  expect_failures = [var.buckets]
}

run "role_session_name_of_one_character_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn          = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        role_session_name = "x"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "role_session_name_over_64_characters_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn          = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        role_session_name = "xpresign-session-name-of-sixty-five-characters-abcdefghijklmnopqr"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "role_session_name_outside_the_sts_alphabet_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn          = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        role_session_name = "xpresign:movies"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "source_identity_outside_the_sts_alphabet_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn        = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        source_identity = "alice smith"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "source_identity_of_one_character_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn        = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        source_identity = "a"
      }
    }
  }

  expect_failures = [var.buckets]
}

run "china_deployment_serves_china_buckets" {
  command = plan

  override_data {
    target = data.aws_partition.current
    values = {
      partition  = "aws-cn"
      dns_suffix = "amazonaws.com.cn"
    }
  }

  override_data {
    target = data.aws_region.current
    values = {
      name = "cn-north-1"
    }
  }

  variables {
    buckets = {
      movies = {
        region   = "cn-northwest-1"
        role_arn = "arn:aws-cn:iam::111111111111:role/xpresign-classic-movies"
      }
      local = {
        role_arn = "arn:aws-cn:iam::111111111111:role/xpresign-local"
      }
    }
  }

  assert {
    condition     = jsondecode(aws_lambda_function.this.environment[0].variables.XPRESIGN_CONFIG).buckets.movies.region == "cn-northwest-1"
    error_message = "Roles and buckets in the function's partition plan."
  }
}

run "role_outside_the_function_partition_is_refused" {
  command = plan

  variables {
    buckets = {
      movies = {
        role_arn = "arn:aws-cn:iam::111111111111:role/xpresign-classic-movies"
      }
    }
  }

  expect_failures = [aws_lambda_function.this]
}

run "china_bucket_cannot_be_served_from_a_commercial_region" {
  command = plan

  variables {
    buckets = {
      movies = {
        region   = "cn-north-1"
        role_arn = "arn:aws-cn:iam::111111111111:role/xpresign-classic-movies"
      }
    }
  }

  expect_failures = [aws_lambda_function.this]
}

run "function_region_must_be_in_a_supported_partition" {
  command = plan

  override_data {
    target = data.aws_region.current
    values = {
      name = "eu-isoe-west-1"
    }
  }

  expect_failures = [aws_lambda_function.this]
}

run "one_character_function_name_needs_session_names" {
  command = plan

  variables {
    function_name = "x"
  }

  expect_failures = [aws_lambda_function.this]
}

run "one_character_function_name_with_session_names" {
  command = plan

  variables {
    function_name = "x"
    buckets = {
      movies = {
        role_arn          = "arn:aws:iam::111111111111:role/xpresign-classic-movies"
        role_session_name = "xpresign-movies"
      }
    }
  }

  assert {
    condition     = aws_lambda_function.this.function_name == "x"
    error_message = "With every session name set, the function's name is never one."
  }
}
