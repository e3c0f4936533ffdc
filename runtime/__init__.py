"""Building workers: workflows, activities and stores wired to Temporal.

A library, used by the worker's composition root (worker.py) and by the commands that run a
worker in their own process (`tandem demo`); worker.py itself is imported by nobody.
"""
