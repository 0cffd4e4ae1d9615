"""Attachments (附件) of notices: text.py reads files and state.py versions them (both pure); queries.py reads the tables."""
