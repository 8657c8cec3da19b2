"""Stored evaluation models (index systems), the metric registry, runs with snapshots, SWOT records.

``services`` is the only bridge to the pure numeric engine :mod:`eduinnov.evaluation`.
"""
