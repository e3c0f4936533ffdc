"""A Temporal client's side of Tandem (the web pages, the CLI, simulated participants).

Connecting with the data converter the workflows use, and sending updates; never workflow code.
"""
