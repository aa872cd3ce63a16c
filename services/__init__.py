"""Services: the adapters behind a cache, with failures turned into `Result` values.

Callbacks, the CLI and the benchmark ask `DataService` for data; only adapters touch the node.
"""

from services.cache import BrainCache, cache_config, flask_cache, make_cache
from services.data import DataService

__all__ = ["BrainCache", "DataService", "cache_config", "flask_cache", "make_cache"]
