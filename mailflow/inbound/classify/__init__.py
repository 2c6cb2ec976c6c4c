"""Tags with reasons: the rules matched against a message, its language and its trade references. Pure."""
