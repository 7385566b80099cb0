"""Jobs and the work around them: schedules, retention, prune, the queue and its workers.

``schedule`` (pure: when a job runs, DST-correct in the job's time zone), ``retention`` (pure: what
to keep and what to remove, and why), ``prune`` (unreferenced data removed in two phases, safe
against a kill at any moment and a second machine), ``queue`` and ``workers`` (priority groups,
claims with leases), ``scheduler`` (due runs queued exactly once).
"""
