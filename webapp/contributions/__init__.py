"""三个一、四带头 contributions and family support (帮扶/静心活动)."""
