"""Zhanjiang Brain: pure domain logic (standards, KPIs, rules); no I/O, no clock, no Dash."""
