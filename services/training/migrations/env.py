from services.common.migrate import run_env
from services.training.models import Base

run_env(Base.metadata)
