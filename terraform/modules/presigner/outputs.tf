output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "ARN of the Lambda function (unqualified)."
  value       = aws_lambda_function.this.arn
}

output "function_version" {
  description = "Latest published version with publish, else $LATEST."
  value       = aws_lambda_function.this.version
}

output "alias_arn" {
  description = "ARN of the alias, or null without alias_name."
  value       = try(aws_lambda_alias.this[0].arn, null)
}

output "invoke_target_arn" {
  description = "What callers should invoke: the alias ARN with alias_name, else the function ARN. Principals in invoker_principals are granted exactly this."
  value       = try(aws_lambda_alias.this[0].arn, aws_lambda_function.this.arn)
}

output "role_arn" {
  description = "ARN of the execution role: the principal the bucket-access module's trusted_role_arns must name."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the execution role."
  value       = aws_iam_role.this.name
}

output "function_url" {
  description = "HTTPS URL of the function (of its alias with alias_name), or null when create_function_url is false."
  value       = try(aws_lambda_function_url.this[0].function_url, null)
}

output "log_group_name" {
  description = "Name of the function's CloudWatch log group."
  value       = local.log_group_name
}

output "environment_size_bytes" {
  description = "Size of the function's environment variables as counted against Lambda's 4096-byte limit (an upper bound)."
  value       = local.environment_bytes
}

output "config_parameter_name" {
  description = "Name of the Parameter Store parameter holding the configuration, or null when it is in XPRESIGN_CONFIG."
  value       = try(aws_ssm_parameter.config[0].name, null)
}

output "http_api_endpoint" {
  description = "Base URL of the HTTP API (Uppy's AwsS3 endpoint option), or null without create_http_api."
  value       = try(aws_apigatewayv2_api.this[0].api_endpoint, null)
}

output "http_api_id" {
  description = "ID of the HTTP API, or null without create_http_api."
  value       = try(aws_apigatewayv2_api.this[0].id, null)
}

output "log_kms_key_policy_json" {
  description = "With log_kms_key_arn: a key policy document with the statement the key's owner adds so CloudWatch Logs may encrypt this module's log groups with the key. null without log_kms_key_arn."
  value       = try(data.aws_iam_policy_document.log_kms_key_policy[0].json, null)
}
