"""The task file both ways: the columns the export writes, and the rows an import reads back."""
