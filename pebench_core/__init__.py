"""The shared core every pebench package depends on and that depends on nothing of ours (as peft's
``utils`` never imports the tuners): errors, atomic writes, seeding, hashes, names, the config
loader and the adapter metadata type."""
