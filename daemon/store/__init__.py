"""Durable state in SQL (SQLite by default) through SQLAlchemy Core."""
