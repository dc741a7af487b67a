from tests.targets.conftest import clock  # noqa: F401  (the targets app's clock: reminders follow its deadlines)
