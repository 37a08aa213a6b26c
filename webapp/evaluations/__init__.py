"""民主评议党员: the annual evaluation of every member, branch by branch."""
