"""Bulk imports: pandas readers → validated rows → a preview → domain services (or bulk inserts)."""
