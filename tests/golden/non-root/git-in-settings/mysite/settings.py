import subprocess
SECRET_KEY="x"
INSTALLED_APPS=[]
ROOT_URLCONF="mysite.urls"
VERSION = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"]).decode().strip()
