"""Account backups: repository format, incremental encrypted snapshots, verify, restore, download.

Modules: ``crypto`` (sealing, the symmetric and write-only schemes), ``keys`` (key objects: app keys
with recovery slots, owner-held write-only keys), ``repository`` (layout at a destination, capped and
ranged reads), ``packs`` (blob packing and the index cache), ``chunking`` (FastCDC), ``tree`` (walking
a home), ``backup``, ``opened`` (open by id), ``scan``, ``verify``, ``restore``, ``download``, ``kit``
(exporting an account key), ``rekey`` (resetting it), ``forget``. Importing this package has no side
effects.
"""
