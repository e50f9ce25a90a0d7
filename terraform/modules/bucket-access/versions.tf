terraform {
  # Tested with 1.11; 1.5 is the oldest release with every function used here.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Below 6.0 on purpose. From 6.0, data.aws_s3_bucket's `region` is the
      # provider's region and the bucket's own is in `bucket_region`, so an
      # existing bucket outside the provider's region would get URLs signed
      # for the wrong region. `bucket_region` does not exist in 5.x (naming it
      # fails validate, even inside try()), and no 6.x provider can be tested
      # here yet. 5.76 is the presigner's floor (python3.13), kept the same in
      # every module so one lock file fits the whole configuration.
      version = ">= 5.76, < 6.0"
    }
  }
}
