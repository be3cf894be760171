"""What the bot keeps between runs (chats' settings, counters), behind a small interface
(`StateStore`): one SQLite file today, a shared database for several replicas later."""
