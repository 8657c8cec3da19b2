"""Accounts, roles, login and the access checks every view uses."""
