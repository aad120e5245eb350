"""Who may do what, where: the principal, project roles and their actions, grants, and the service that mints them.

A newcomer finds the whole of authorisation here (decision 0028).
"""
