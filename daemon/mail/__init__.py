"""Mail adapters: reading mailboxes (IMAP, Maildir) and sending (SMTP)."""
