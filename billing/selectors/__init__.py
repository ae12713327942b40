"""Billing reads, one module per subject (cdrs, …)."""
