"""cogov: an agent-based model of community co-governance in Chinese cities."""
