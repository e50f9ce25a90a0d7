output "role_arn" {
  description = "ARN of the access role; the presigner's bucket entry role_arn."
  value       = local.role_arn
}

output "role_name" {
  description = "Name of the access role."
  value       = local.role_name
}

output "policy_name" {
  description = "Name of the module's inline policy on the access role."
  value       = aws_iam_role_policy.this.name
}

output "bucket_name" {
  description = "Name of the bucket."
  value       = var.bucket_name
}

output "bucket_arn" {
  description = "ARN of the bucket."
  value       = var.create_bucket ? aws_s3_bucket.this[0].arn : data.aws_s3_bucket.existing[0].arn
}

output "bucket_region" {
  description = "Region of the bucket: the region presigned URLs must be signed for."
  value       = local.bucket_region
}

output "allowed_prefixes" {
  description = "Key prefixes the role may read; null means the whole bucket."
  value       = var.allowed_prefixes
}

output "upload_prefixes" {
  description = "Key prefixes the role may upload to; empty means no uploads."
  value       = var.upload_prefixes
}

output "kms_key_policy_json" {
  description = "With kms_key_arn: a key policy document with the one statement the key's owner adds to the key policy (e.g. through source_policy_documents) so the access role may use the key through S3. Needed for a key in another account, and for any key whose policy does not let IAM policies grant access. null without kms_key_arn."
  value       = try(data.aws_iam_policy_document.kms_key_policy[0].json, null)
}

output "presigner_bucket" {
  description = "This bucket as an entry for the presigner module's buckets map (bucket, region, role_arn, external_id, allowed_prefixes, upload_prefixes); merge() in max_expires, default_expires, max_upload_size and allowed_content_types as needed. Unset attributes are null, which the presigner leaves out of its configuration."
  value = {
    bucket           = var.bucket_name
    region           = local.bucket_region
    role_arn         = local.role_arn
    external_id      = var.external_id
    allowed_prefixes = var.allowed_prefixes
    upload_prefixes  = length(var.upload_prefixes) > 0 ? var.upload_prefixes : null
  }
}
