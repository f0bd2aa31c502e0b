"""Services, one module per domain noun; they flush, the caller commits."""
