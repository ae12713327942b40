"""Charging sessions: the lifecycle a charger drives (start, meter values, state changes, stop) and its pricing.

The models live in ``chargepoints.models`` with the stations they point at; this package holds their enums, services,
selectors and the adapter to the pricing engine.
"""
