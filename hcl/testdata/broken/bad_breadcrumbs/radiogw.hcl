site = "tustin"

# A day of 1 s reports: far past what a wall map draws.
breadcrumbs = 86400
