"""Bureau's services; each one is wired by `bureau.wiring` and depends only on `shared` ports."""
