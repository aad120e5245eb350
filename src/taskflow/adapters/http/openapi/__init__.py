"""The OpenAPI document: its configuration, the docs UI, and what handlers' signatures cannot state."""
