"""Evidence work on procrastinate (PostgreSQL), so photo analysis can run on other machines.

With ``GROUPBOT_EVIDENCE_QUEUE=procrastinate`` the bot stores each claim photo it received in
``scale_photo_checks`` and defers a ``check_photo`` job (one procrastinate lock per chat keeps
a member's photos in order); ``groupbot worker`` analyses it and records the findings; the bot
answers the member once they are there. A worker killed mid-job leaves its job "doing": the
workers' periodic ``retry_stalled`` task re-queues it once the dead worker's heartbeat is older
than the lease, and the findings are recorded once (a conditional update on the check row).
With the default (``inline``, and always on SQLite) photos are analysed in the bot process as
before: one process, no other service.
"""
