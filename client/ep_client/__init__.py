"""ep: the Engagement Proxy's command-line client. Never imports the Lambda package."""

__version__ = "0.1.0"
