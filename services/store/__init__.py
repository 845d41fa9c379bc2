"""store: the only owner of mailbox data; delivers messages and relays the change journal."""
