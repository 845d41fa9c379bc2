"""outbound: carries every message leaving Bureau. So far: delivery status notifications
(RFC 3464) for the senders of mail that cannot be delivered."""
