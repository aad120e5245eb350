"""The change corridor: every committed change to tasks and memberships, from the database's own feed.

`feed` is the port and what it carries, in commit order, each task change with the task
before and after it; `classification` the one reading of what happened (created, updated,
completed, reopened, assigned, unassigned, moved, deleted; the fields that changed; who
did it); `audience` the one rule of who may see a task where it is. The live stream reads
the feed now; every later reaction to a write (history, notifications, webhooks) hangs on
it too, never on a call in a service.
"""
