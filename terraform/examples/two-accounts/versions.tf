terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # The modules' range: python3.13 needs 5.76, and 6.x is excluded until
      # it can be tested (its data.aws_s3_bucket `region` means the provider's
      # region, not the bucket's; see ../../modules/bucket-access/versions.tf).
      version = ">= 5.76, < 6.0"
    }
  }
}
