"""jobs: the gig-labour market (零工市场)."""
