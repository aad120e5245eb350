"""MongoDB through PyMongo's async API, with Beanie documents for schema and indexes."""
