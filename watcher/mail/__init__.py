"""Mail in: IMAP accounts polled for the messages their rules match; what is taken goes
through the same ingest as a dropped file (``watcher.ingest``).

- ``rules``: the YAML rules and their matching;
- ``imap``: the connection, the login (password or XOAUTH2) and the commands used;
- ``parts``: a message's attachments;
- ``take``: one message, from its claim in the ledger to the rule's action;
- ``fetch``: the poll loop over accounts and folders, failures and backoff;
- ``lock``: one fetcher per account (Redis, or a file in the embedded mode).
"""
