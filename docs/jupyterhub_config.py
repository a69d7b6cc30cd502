"""A JupyterHub for a class of this course: students log in with their Unix accounts
and land on the course's index; the instructor gets nbgrader's formgrader for the
course as a hub service. Run it as root: ``jupyterhub -f docs/jupyterhub_config.py``.

docs/hub.md walks through the whole setup (a shared install of the course, the
exchange, releasing a lesson, grading with the course's command, feedback). Every
setting that differs between machines is read from the environment, with the
defaults an instructor would use; tests/hub/test_hub.py runs this very file on
loopback with free ports.
"""

import os

c = get_config()  # noqa: F821 - JupyterHub's configuration object

env = os.environ.get
COURSE_ROOT = env("LSTM_COURSE_ROOT", "/opt/lstm-gate-by-gate")          # a checkout every user can read
COURSE_PYTHON = env("LSTM_COURSE_PYTHON", f"{COURSE_ROOT}/.venv/bin/python")  # its environment, readable by all
STATE = env("LSTM_HUB_STATE", "/srv/jupyterhub")                         # the hub's own database and secrets

# --- where the hub listens (behind your HTTPS proxy in production) ---
c.JupyterHub.bind_url = f"http://{env('LSTM_HUB_IP', '127.0.0.1')}:{env('LSTM_HUB_PORT', '8000')}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("LSTM_HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{env('LSTM_PROXY_API_PORT', '8001')}"
# npm install -g configurable-http-proxy
c.ConfigurableHTTPProxy.command = [env("LSTM_PROXY", "configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{STATE}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{STATE}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{STATE}/jupyterhub.pid"
c.ConfigurableHTTPProxy.pid_file = f"{STATE}/proxy.pid"

# --- who may log in: Unix accounts (PAM), the class list ---
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(filter(None, env("LSTM_HUB_USERS", "").split(",")))
c.Authenticator.admin_users = set(filter(None, env("LSTM_HUB_ADMINS", "").split(",")))

# --- each student's server: their own process, as their own user, on the course's
# environment, with the learners' settings (no formgrader; Validate on) ---
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [COURSE_PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/lessons/00_index/00_index.ipynb"   # the course's index
c.Spawner.environment = {"JUPYTER_CONFIG_PATH": f"{COURSE_ROOT}/jupyter_config"}
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# --- the instructor's formgrader for the course, as nbgrader's JupyterHub docs set it
# up: a service running as the grader account, reachable by the course's instructors.
# Uncomment and name your accounts (the grader account owns the course folder).
# c.JupyterHub.load_groups = {"instructors-lstm": {"users": ["instructor1"]}}
# c.JupyterHub.services = [{
#     "name": "lstm-course",
#     "url": "http://127.0.0.1:9999",
#     "command": [COURSE_PYTHON, "-m", "jupyterhub.singleuser", "--debug"],
#     "user": "grader-lstm",
#     "cwd": "/home/grader-lstm",
#     "environment": {"JUPYTERHUB_DEFAULT_URL": "/formgrader"},
#     "api_token": "<a long random string>",
# }]
# c.JupyterHub.load_roles = [{
#     "name": "formgrader-lstm",
#     "groups": ["instructors-lstm"],
#     "scopes": ["access:services!service=lstm-course", "list:services", "read:services!service=lstm-course"],
# }]
