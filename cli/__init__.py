"""The `govledger` command: every subcommand, its help, and the start-up checks that turn a bad
setting into one line."""
