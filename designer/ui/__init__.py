"""The web pages of the designer (Reflex components). The core never imports this package."""
