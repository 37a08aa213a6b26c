"""Contact duty: quarterly visits (一季度一访) and the half-yearly "三个一"."""
