"""Inspection tasks: inspect, defect_sort."""
