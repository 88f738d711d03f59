"""Bulk import of spreadsheets (CSV or XLSX) through the application layer, all or nothing."""
