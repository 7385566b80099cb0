"""Who may do what: the pieces the one wrapper (core/app/usecase.py) and the governance use cases are
made of. Pure where they can be: password hashing (``passwords``), backup tokens (``tokens``), the
audit chain (``audit``), the ``backups.env`` parser (``backups_env``); with I/O: the user's sealed
vault (``vault``), mail (``mailer``), notifications (``notify``), and the wrapper's side (``guard``:
the actor's facts, the token check, the audit entry). The policy itself is core/app/policy.py.
See docs/governance.md."""
