"""Departure registration (外出登记) and whereabouts history: where each mobile member is, and was."""
