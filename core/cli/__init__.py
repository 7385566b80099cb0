"""The ``unitvault`` command line: a thin shell over the core operations."""
