"""The local Bot API emulator (test fixture and sandbox backend) and the sandbox web chat."""
