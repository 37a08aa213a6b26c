"""Party members (党员) on a branch's register."""
