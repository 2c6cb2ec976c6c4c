"""settings.toml read once into frozen settings: mailboxes, schedule, provider presets, secrets, classification rules."""
