"""training: vocational and certificate courses (职业技能培训)."""
