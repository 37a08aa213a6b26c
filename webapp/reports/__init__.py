"""Reports rendered to PDF in a worker: the branch roster (花名册) to begin with."""
