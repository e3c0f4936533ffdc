"""Words at the edges: the gettext catalogues (`locales/`), and how a page or an e-mail reads them.

Every message is a stable key (`task.due`, `refusal.pause_too_long`): codes cross the layers, and
each catalogue words them for its readers. Neither French nor English is the source language, so
neither is written into the code; a third, generated locale proves it (tests/test_pseudo_locale.py).
"""
