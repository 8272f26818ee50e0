"""Orders from outside the chats: the storefront's signed HTTP intake and CSV files.

- :mod:`groupbot.intake.requests` checks a request completely (every bad field named);
- :mod:`groupbot.intake.service` carries it out inside the caller's transaction;
- :mod:`groupbot.intake.server` is the aiohttp server the bot starts when
  ``settings.intake_secret`` is set;
- :mod:`groupbot.intake.csvfile` and :mod:`groupbot.intake.cli` are
  ``groupbot orders import|ship FILE.csv``.

Kept import-free so ``groupbot --help`` stays fast.
"""
