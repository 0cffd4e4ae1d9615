"""Attachments (附件) of notices: their text (text.py) and how they take part in an item's version (state.py)."""
