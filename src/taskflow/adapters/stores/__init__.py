"""The stores: records in MongoDB with a copy in Redis in front, kept right by one layer of decorators.

Each decorator writes every change through to its copy, so no caller can forget, and
reads the copy first: tasks with the task cache and read-your-writes (`tasks/`, decisions
0016 and 0017), users with the account gate (`users.py`, 0024), memberships with the
membership gate (`memberships.py`, 0029). The copies share one mechanism in the Redis
adapter (`redis/write_through.py`). MongoDB's and Redis's adapters never know each
other; they meet here.
"""
