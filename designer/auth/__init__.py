"""Who people are: local accounts, OpenID Connect sign-in and sessions."""
