"""Writing results out: tables (CSV, XLSX, JSON, Markdown); Word reports build on these."""
