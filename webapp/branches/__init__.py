"""Party branches (党支部), including temporary mobile branches."""
