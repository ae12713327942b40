"""Billing writes, one module per subject (cdrs, …)."""
