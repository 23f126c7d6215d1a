"""Where the shared test corpus is: $INBOX_TEST_CORPUS, else ../shared/corpus next to the repository."""

import os


def default_corpus():
    env = os.environ.get("INBOX_TEST_CORPUS")
    if env:
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, "..", "..", "shared", "corpus"))
