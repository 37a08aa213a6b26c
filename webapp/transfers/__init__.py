"""组织关系转接: transfer of a member's organisational relationship between organisations."""
