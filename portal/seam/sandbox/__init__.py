"""A realistic fake of the Seam API for development and tests, served over real HTTP.

    from portal.seam.sandbox import SandboxServer

    with SandboxServer(port=0) as server:
        server.create_workspace(api_key="seam_test_1", name="Test")
        ...  # point a SeamClient at server.url

Standalone on purpose: nothing here imports Django, so it runs in any process (see the seam_sandbox
management command for running it in the foreground).
"""

from portal.seam.sandbox.api_errors import SeamApiError
from portal.seam.sandbox.server import SandboxServer

__all__ = ["SandboxServer", "SeamApiError"]
