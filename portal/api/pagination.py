from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    """Newest first by primary key: immutable and indexed, so a cursor stays valid while rows are added
    and a deep page costs what the first one does. No COUNT query."""

    ordering = "-id"
    page_size = 50
    page_size_query_param = "limit"
    max_page_size = 500
    cursor_query_param = "cursor"
