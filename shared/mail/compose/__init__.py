"""Writing mail: MIME building, reading a composed message back, replies and forwards,
signatures and the plan's imposed footer, the profile's vCard. Pure functions over
`shared.mail.compose.types`; the gateway (and SMTP submission) call them."""
