"""governance: Red Tea Council (红茶议事会), couriers have a say (小哥有话讲), vanguard-led projects."""
