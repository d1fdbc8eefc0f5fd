"""What the app and reports show about a correction: pixel facts, scales, DQ maps, A/B comparison, Verify, exported figures."""
