"""Other alignment engines behind the same interface as the native one."""
