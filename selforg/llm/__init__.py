"""The one LLM gateway and its parts: cache, budget, prices, retries, providers.

litellm downloads its price table at import unless told not to; setting the variable here,
before any submodule can import litellm, keeps every selforg process offline and its prices
those of the pinned litellm version.
"""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
