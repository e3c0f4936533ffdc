"""The guide library shipped with Tandem (guides/library.py): exercises, the review session and
the onboarding texts, read where sessions are planned and where pages and e-mails show them."""
