"""The page harness's fixtures, for tests of the page kit."""

from tests.pages.conftest import app_env, demo_app, logged_in  # noqa: F401
