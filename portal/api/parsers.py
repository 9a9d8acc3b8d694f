"""The API's JSON parser: DRF's, with a body nested too deeply to parse answered 400 like any other
malformed JSON (the standard library gives up with RecursionError, which is not a ValueError)."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class PortalJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the body nests arrays or objects too deeply.") from None
