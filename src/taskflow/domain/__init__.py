"""The business rules of taskflow; imports the standard library and itself only."""
