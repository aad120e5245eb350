"""Records with a fast copy in front, written through on every change here, so no service can forget.

The copies (the account gate, the membership gate) are ports; what they do not know is read from the record.
"""
