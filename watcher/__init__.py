"""Inbox → queue: observe, wait until stable, checksum, de-duplicate, archive, enqueue."""
