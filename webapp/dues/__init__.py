"""Party dues (党费): monthly amounts, payments, arrears."""
