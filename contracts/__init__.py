"""The data workflows exchange with their callers: inputs, query answers, results.

Pure pydantic models, shared with Temporal's sandbox rather than re-created for every workflow run
(building a model class is most of the cost of importing a workflow module).
"""
