output "role_arn" {
  description = "ARN of the access role; the presigner's bucket entry role_arn."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the access role."
  value       = aws_iam_role.this.name
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

output "presigner_bucket" {
  description = "This bucket as an entry for the presigner module's buckets map (bucket, region, role_arn, external_id, allowed_prefixes); merge() in max_expires and default_expires as needed."
  value = {
    bucket           = var.bucket_name
    region           = local.bucket_region
    role_arn         = aws_iam_role.this.arn
    external_id      = var.external_id
    allowed_prefixes = var.allowed_prefixes
  }
}
