"""流入地管理: a mobile member placed at an inflow organisation while staying on the home register."""
