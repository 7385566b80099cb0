"""The unit store: units and their four sections (plugins, workspaces, profiles, config_keys)."""
