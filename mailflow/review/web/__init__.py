"""The reviewer's page (Flask): queue, one draft beside the buyer's message, decisions, customers.

Nothing is imported here: the CLI reads `mailflow.cli.review` for its arguments on every start,
and Flask is loaded only when the page is served.
"""
