terraform {
  # Tested with 1.11; 1.5 is the oldest release with every function used here.
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # 5.75 and older reject the python3.13 runtime name.
      version = ">= 5.76"
    }
  }
}
