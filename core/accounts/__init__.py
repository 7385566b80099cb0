"""Account backups: repository format, incremental encrypted snapshots, verify, restore, download.

Modules: ``crypto`` (sealing, the symmetric and write-only schemes), ``keys`` (key objects: app keys
with recovery slots, owner-held write-only keys), ``repository`` (layout at a destination, capped and
ranged reads), ``packs`` (blob packing and the index cache), ``chunking`` (FastCDC), ``tree`` (walking
a home; the file entries), ``backup``, ``backup_files`` (its file part), ``opened`` (open by id),
``scan``, ``verify``, ``restore`` (plan, live look at the target, attributes, writer), ``download``,
``tarball`` (files downloads), ``kit`` (exporting an account key), ``rekey`` (resetting it),
``forget``. Importing this package has no side effects.
"""
