"""Running more than one process: one web server per replica, the scheduler leader, update
dedupe and per-chat order across replicas, leases and heartbeats, the shared send budget."""
