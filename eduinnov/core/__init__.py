"""Shared building blocks: model mixins, errors, transactions, pagination, i18n helpers."""
