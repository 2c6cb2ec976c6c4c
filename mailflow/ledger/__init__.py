"""The sales ledger: customers, invoices and payments, the reps' sheets, A/B/C classes, business hours, companies."""
