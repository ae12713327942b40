"""Importers of station data sets into the catalogue."""
