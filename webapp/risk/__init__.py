"""At-risk board and branch scorecards (领导责任制)."""
