"""Account backups: repository format, incremental encrypted snapshots, verify, restore, download.

Modules: ``crypto`` (keys, sealing), ``repository`` (layout at a destination, scan), ``packs`` (blob
packing and the index cache), ``chunking`` (FastCDC), ``tree`` (walking a home), ``backup``,
``snapshot`` (open by id), ``verify``, ``restore``, ``download``. Importing this package has no side
effects.
"""
