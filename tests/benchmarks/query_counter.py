class QueryCounter:
    """Counts statements through Django's execute wrapper: cheaper than CaptureQueriesContext."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)
