"""Branch life: activities (组织生活, 主题党日, 学习, 返乡培训) and attendance."""
