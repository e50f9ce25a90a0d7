terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # As the presigner module: python3.13 needs 5.76 or later.
      version = ">= 5.76"
    }
  }
}
