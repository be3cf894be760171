"""Second-course isotretinoin FAQ bot: a pure answering core plus a thin Telegram adapter."""
