"""流动党员证: issue, half-yearly verification, replacement, loss and return; card PDFs; the public check."""
