"""Running mailflow: the daemon and its threads, mailbox leases, ticks, health and metrics, the HTTP servers, doctor."""
