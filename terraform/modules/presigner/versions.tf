terraform {
  # Tested with 1.11; 1.5 is the oldest release with every function used here.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.75 and older reject the python3.13 runtime name. Below 6.0 on
      # purpose: 6.x changes data.aws_s3_bucket's `region` (see
      # ../bucket-access/versions.tf) and has not been tested here. When it
      # can be, 6.28 also brings the invoked_via_function_url condition that
      # would scope the public URL's lambda:InvokeFunction permission.
      version = ">= 5.76, < 6.0"
    }
  }
}
