"""The one LLM gateway and its parts: cache, budget, prices, retries, providers."""
