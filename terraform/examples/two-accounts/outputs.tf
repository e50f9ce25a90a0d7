output "function_name" {
  description = "Name of the presigner function in account B."
  value       = module.presigner.function_name
}

output "function_arn" {
  description = "ARN of the presigner function in account B."
  value       = module.presigner.function_arn
}

output "function_region" {
  description = "Region of the presigner function: the region to call it in, and to sign Function URL requests for."
  value       = var.account_b_region
}

output "function_url" {
  description = "HTTPS URL of the presigner (AWS_IAM auth unless function_url_auth_type says otherwise), or null without one."
  value       = module.presigner.function_url
}

output "http_api_endpoint" {
  description = "Base URL of the browser front door (Uppy's endpoint), or null without create_http_api."
  value       = module.presigner.http_api_endpoint
}

output "presigner_role_arn" {
  description = "Execution role of the function in account B (trusted by the access role)."
  value       = module.presigner.role_arn
}

output "access_role_arn" {
  description = "Access role in account A (assumed by the function)."
  value       = module.bucket_access.role_arn
}

output "bucket_name" {
  description = "Name of the bucket in account A."
  value       = module.bucket_access.bucket_name
}

output "bucket_arn" {
  description = "ARN of the bucket in account A."
  value       = module.bucket_access.bucket_arn
}

output "bucket_region" {
  description = "Region of the bucket in account A."
  value       = module.bucket_access.bucket_region
}
