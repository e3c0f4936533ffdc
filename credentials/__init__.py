"""Secrets coordinators sign in with: password hashes and the single sign-on client's settings.

Below settings.py (which validates them) and the web pages (which check them), so neither reaches
into the other.
"""
