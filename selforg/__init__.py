"""selforg: coordination protocols for teams of LLM agents, studied reproducibly."""
